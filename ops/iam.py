"""Least-privilege IAM for the three Lambda functions, derived from what chalicelib calls.

One table (GRANTS) says which function may do what to which resource, and
why; it renders two ways:

- :func:`static_policy`: the policy files `chalice deploy` reads
  (``deploy/iam/{stage}-{function}.json``, named in .chalice/config.json).
  Region and account are ``*`` there (chalice does not template policy files);
  every table, index, bucket path, parameter and log group is named.
- :func:`cloudformation_policy`: the same statements for the packaged template,
  with the stack's own region, account and table ARNs.

No action is ever a wildcard. DynamoDB transactions need no action of their
own: TransactWriteItems is authorised per item (PutItem/UpdateItem/DeleteItem).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

APP_NAME = "media-api"
FUNCTIONS = ("api_handler", "ingest", "reconcile")
TABLES = ("accounts", "api-keys", "media", "uploads")
MEDIA_PREFIX = "media/"


@dataclass(frozen=True)
class Grant:
    kind: str  # table | index | objects | bucket | parameter
    name: str  # table suffix, "table/index", or "" for the stage's bucket/parameter
    actions: tuple[str, ...]
    why: str


# What each use case calls (chalicelib/records.py, storage/):
#  records: Get/Put/UpdateItem, Query (table + by-type index), BatchGetItem,
#  transactions of Put/Update/Delete; reconcile scans media and sessions.
#  storage: HeadObject + ranged GetObject (s3:GetObject), PutObject (direct
#  upload), CopyObject in place with TaggingDirective=COPY (GetObject +
#  GetObjectTagging on the source, PutObject + PutObjectTagging on the copy),
#  DeleteObjectTagging (clear the pending tag), DeleteObject, ListObjectsV2.
_INGEST_OBJECTS = Grant(
    "objects",
    "",
    (
        "s3:GetObject",
        "s3:GetObjectTagging",
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:DeleteObjectTagging",
        "s3:DeleteObject",
    ),
    "head/ranged reads, Content-Type fix by in-place copy, clear the pending tag, delete rejected objects",
)
# Without ListBucket, S3 answers 403 (not 404) for a missing object, and
# storage would report "unavailable" where it means "not uploaded yet".
# Unconditioned: a prefix condition does not apply to HeadObject's check.
_LIST = Grant("bucket", "", ("s3:ListBucket",), "404 for missing objects; the reconciler walks media/")
_INGEST_TABLES = (
    Grant("table", "accounts", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "id counter, plan counters"),
    Grant("table", "media", ("dynamodb:GetItem", "dynamodb:PutItem"), "record the file (transaction)"),
    Grant("table", "uploads", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "close the session"),
)

GRANTS: dict[str, tuple[Grant, ...]] = {
    "api_handler": (
        Grant("table", "api-keys", ("dynamodb:GetItem",), "authenticate the X-Api-Key"),
        Grant("table", "accounts", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "totals, id counter, plan counters"),
        Grant(
            "table",
            "media",
            (
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ),
            "list/get/rename/delete, record uploads",
        ),
        Grant("index", "media/by-type", ("dynamodb:Query",), "list one type"),
        Grant(
            "table",
            "uploads",
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            "upload sessions, complete",
        ),
        # Presigning signs PutObject (+ the pending tag) with this role's credentials.
        _INGEST_OBJECTS,
        _LIST,
        Grant("parameter", "", ("ssm:GetParameter",), "the cursor-signing secret (SecureString, aws/ssm key)"),
    ),
    "ingest": (*_INGEST_TABLES, _INGEST_OBJECTS, _LIST),
    "reconcile": (
        Grant("table", "accounts", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "id counter, plan counters"),
        Grant(
            "table",
            "media",
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Scan"),
            "records without objects, ingest lost events",
        ),
        Grant("table", "uploads", ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Scan"), "expire sessions"),
        _INGEST_OBJECTS,
        _LIST,
    ),
}
_LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


def function_name(stage: str, function: str) -> str:
    """The deployed name (chalice's scheme; the packaged template sets the same)."""
    return f"{APP_NAME}-{stage}" if function == "api_handler" else f"{APP_NAME}-{stage}-{function}"


def secret_parameter(stage: str) -> str:
    """Name of the stage's cursor-signing SecureString (MEDIA_CURSOR_SECRET_PARAMETER)."""
    return f"/{APP_NAME}/{stage}/cursor-secret"


def _statements(function: str, arn: Any, sub: Any, storage_keys: Any = None) -> list[dict[str, Any]]:
    statements = []
    for grant in GRANTS[function]:
        statements.append({"Effect": "Allow", "Action": list(grant.actions), "Resource": arn(grant)})
    if storage_keys is not None:
        # Storage on another provider (MEDIA_S3_CREDENTIALS_PARAMETER): every
        # function signs its storage calls with the provider's keys.
        statements.append({"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": storage_keys})
    statements.append(
        {
            "Effect": "Allow",
            "Action": list(_LOG_ACTIONS),
            "Resource": [
                sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/%s"),
                sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/%s:*"),
            ],
        }
    )
    return statements


def static_policy(stage: str, function: str, env: dict[str, str]) -> dict[str, Any]:
    """The policy document chalice deploy attaches to ``function``'s role."""
    prefix, bucket = env["MEDIA_TABLE_PREFIX"], env["MEDIA_BUCKET"]
    name = function_name(stage, function)

    def arn(grant: Grant) -> str:
        if grant.kind == "table":
            return f"arn:aws:dynamodb:*:*:table/{prefix}-{grant.name}"
        if grant.kind == "index":
            table, index = grant.name.split("/")
            return f"arn:aws:dynamodb:*:*:table/{prefix}-{table}/index/{index}"
        if grant.kind == "objects":
            return f"arn:aws:s3:::{bucket}/{MEDIA_PREFIX}*"
        if grant.kind == "bucket":
            return f"arn:aws:s3:::{bucket}"
        return f"arn:aws:ssm:*:*:parameter{env['MEDIA_CURSOR_SECRET_PARAMETER']}"

    def sub(template: str) -> str:
        return (
            (template % name)
            .replace("${AWS::Partition}", "aws")
            .replace("${AWS::Region}", "*")
            .replace("${AWS::AccountId}", "*")
        )

    keys = env.get("MEDIA_S3_CREDENTIALS_PARAMETER")
    storage_keys = f"arn:aws:ssm:*:*:parameter{keys}" if keys else None
    return {"Version": "2012-10-17", "Statement": _statements(function, arn, sub, storage_keys)}


def cloudformation_policy(stage: str, function: str, env: dict[str, str], tables: dict[str, str]) -> dict[str, Any]:
    """The same document for the packaged template; ``tables`` maps suffix -> logical id."""
    bucket = env["MEDIA_BUCKET"]
    name = function_name(stage, function)

    def arn(grant: Grant) -> Any:
        if grant.kind == "table":
            return {"Fn::GetAtt": [tables[grant.name], "Arn"]}
        if grant.kind == "index":
            table, index = grant.name.split("/")
            return {"Fn::Sub": f"${{{tables[table]}.Arn}}/index/{index}"}
        if grant.kind == "objects":
            return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}/{MEDIA_PREFIX}*"}
        if grant.kind == "bucket":
            return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}"}
        parameter = env["MEDIA_CURSOR_SECRET_PARAMETER"]
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{parameter}"}

    def sub(template: str) -> dict[str, str]:
        return {"Fn::Sub": template % name}

    keys = env.get("MEDIA_S3_CREDENTIALS_PARAMETER")
    storage_keys = (
        {"Fn::Sub": f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{keys}"}
        if keys
        else None
    )
    return {"Version": "2012-10-17", "Statement": _statements(function, arn, sub, storage_keys)}


def public_read_policy(bucket: str, partition: str = "aws") -> dict[str, Any]:
    """Anyone may GET media/* except objects still tagged pending (not yet validated).

    Nothing else is public: ACLs are disabled and listing the bucket is not granted.
    """
    from chalicelib.storage import PENDING_TAG

    objects = f"arn:{partition}:s3:::{bucket}/{MEDIA_PREFIX}*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadValidatedMedia",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": objects,
                "Condition": {"StringNotEquals": {f"s3:ExistingObjectTag/{PENDING_TAG[0]}": PENDING_TAG[1]}},
            },
        ],
    }
