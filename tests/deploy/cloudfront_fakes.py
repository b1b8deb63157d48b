"""CloudFront's response-headers policies, which moto 5.2 does not implement.

Every other call goes to moto; these four are answered from a dict, with the
shapes the CloudFront API returns (ids, ETags that change on update, IfMatch
checked), so the code under test sees what AWS would send.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
from botocore.exceptions import ClientError


class ResponseHeadersPolicies:
    def __init__(self) -> None:
        self.policies: dict[str, dict[str, Any]] = {}
        self.etags: dict[str, str] = {}
        self.calls: list[str] = []

    def _item(self, policy_id: str) -> dict[str, Any]:
        return {"Id": policy_id, "ResponseHeadersPolicyConfig": self.policies[policy_id]}

    def answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(operation)
        if operation == "ListResponseHeadersPolicies":
            items = [{"Type": "custom", "ResponseHeadersPolicy": self._item(i)} for i in self.policies]
            return {"ResponseHeadersPolicyList": {"MaxItems": 100, "Quantity": len(items), "Items": items}}
        if operation == "CreateResponseHeadersPolicy":
            policy_id = str(uuid.uuid4())
            self.policies[policy_id], self.etags[policy_id] = params["ResponseHeadersPolicyConfig"], uuid.uuid4().hex
            return {"ResponseHeadersPolicy": self._item(policy_id), "ETag": self.etags[policy_id]}
        if operation == "GetResponseHeadersPolicy":
            return {"ResponseHeadersPolicy": self._item(params["Id"]), "ETag": self.etags[params["Id"]]}
        if params.get("IfMatch") != self.etags[params["Id"]]:  # UpdateResponseHeadersPolicy
            raise ClientError({"Error": {"Code": "PreconditionFailed", "Message": "stale"}}, operation)
        self.policies[params["Id"]], self.etags[params["Id"]] = params["ResponseHeadersPolicyConfig"], uuid.uuid4().hex
        return {"ResponseHeadersPolicy": self._item(params["Id"]), "ETag": self.etags[params["Id"]]}


@contextmanager
def response_headers_policies() -> Iterator[ResponseHeadersPolicies]:
    fake = ResponseHeadersPolicies()
    original = botocore.client.BaseClient._make_api_call

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "cloudfront" and "ResponseHeadersPolic" in operation:
            return fake.answer(operation, params)
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = call
    try:
        yield fake
    finally:
        botocore.client.BaseClient._make_api_call = original
