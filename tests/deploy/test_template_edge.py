"""The packaged template's edge: the private bucket behind CloudFront, the web ACL on the
API, the invalidation queue and its function, the derivatives worker and its layer."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

import pytest

from ops import bucket_resources, delivery, iam, template, waf, worker_layer
from tests.deploy.conftest import ROOT, STAGES
from tests.helpers.tenants import Tenant

pytestmark = pytest.mark.slow  # the packaged templates (conftest)

Template = dict[str, dict[str, Any]]


def _resources(packaged: Template, stage: str = "prod") -> dict[str, Any]:
    return dict(packaged[stage]["Resources"])


def _stage_env(stage: str) -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {**config["environment_variables"], **config["stages"][stage]["environment_variables"]}


def _statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return list(resources[f"{role}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"])


def _route(config: dict[str, Any], path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The behaviour and origin CloudFront picks for a request path (first matching pattern)."""
    behaviour = next(
        (b for b in config["CacheBehaviors"] if fnmatchcase(path.lstrip("/"), b["PathPattern"])),
        config["DefaultCacheBehavior"],
    )
    origin = next(o for o in config["Origins"] if o["Id"] == behaviour["TargetOriginId"])
    return behaviour, origin


def _granted(policy: dict[str, Any], bucket: str, key: str) -> bool:
    arn = f"arn:aws:s3:::{bucket}/{key}"
    return any(
        any(fnmatchcase(arn, resource) for resource in statement["Resource"]) for statement in policy["Statement"]
    )


@pytest.mark.parametrize("stage", STAGES)
def test_bucket_stays_private_and_only_the_distribution_reads_it(packaged: Template, stage: str) -> None:
    resources = _resources(packaged, stage)
    bucket = resources["MediaBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    policy = resources["MediaBucketPolicy"]["Properties"]["PolicyDocument"]
    name = _stage_env(stage)["MEDIA_BUCKET"]
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${MediaDistribution}")
    for key in ("media/9/images/1_a.jpg", "thumbs/9/1_a.webp", "renditions/9/1_a.mp4"):
        assert _granted(policy, name, key)
    for key in ("uploads/9/up_1", "not-served/uploads/9/up_1", "other"):
        assert not _granted(policy, name, key)


def test_distribution_serves_the_three_prefixes_over_https_and_nothing_else(packaged: Template) -> None:
    resources = _resources(packaged)
    config = resources["MediaDistribution"]["Properties"]["DistributionConfig"]
    oac = resources["MediaOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningProtocol"], oac["SigningBehavior"], oac["OriginAccessControlOriginType"]) == (
        "sigv4",
        "always",
        "s3",
    )
    for origin in config["Origins"]:
        assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["MediaOriginAccessControl", "Id"]}
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert [b["PathPattern"] for b in config["CacheBehaviors"]] == ["media/*", "thumbs/*", "renditions/*"]
    behaviours = [*config["CacheBehaviors"], config["DefaultCacheBehavior"]]
    assert all(b["ViewerProtocolPolicy"] == "https-only" for b in behaviours)
    assert all(b["AllowedMethods"] == ["GET", "HEAD"] for b in behaviours)
    assert all(b["CachePolicyId"] == delivery.CACHING_OPTIMIZED for b in behaviours)
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": "MediaResponseHeadersPolicy"} for b in behaviours)
    policy = resources["MediaBucketPolicy"]["Properties"]["PolicyDocument"]
    bucket = _stage_env("prod")["MEDIA_BUCKET"]
    # Where each path lands in the bucket: served prefixes as they are, anything else
    # under an origin path the bucket policy never grants.
    for path, served in (
        ("/media/9/images/1_a.jpg", True),
        ("/thumbs/9/1_a.webp", True),
        ("/renditions/9/1_a.mp4", True),
        ("/uploads/9/up_1", False),
        ("/uploads/media/x", False),
        ("/index.html", False),
        ("/", False),
    ):
        _, origin = _route(config, path)
        key = (origin.get("OriginPath", "") + path).lstrip("/")
        assert _granted(policy, bucket, key) is served, path
    assert not any(fnmatchcase("uploads/1/x", b["PathPattern"]) for b in config["CacheBehaviors"])
    assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}


@pytest.mark.parametrize("stage", STAGES)
def test_files_get_nosniff_and_cors_for_the_stage_origins(packaged: Template, stage: str) -> None:
    headers = _resources(packaged, stage)["MediaResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert headers["SecurityHeadersConfig"]["ContentTypeOptions"] == {"Override": True}
    cors = headers["CorsConfig"]
    origins = [o.strip() for o in _stage_env(stage)["MEDIA_CORS_ORIGINS"].split(",")]
    assert cors["AccessControlAllowOrigins"] == {"Items": origins}
    assert cors["AccessControlAllowMethods"] == {"Items": ["GET", "HEAD"]}
    assert cors["AccessControlAllowCredentials"] is False


def test_every_function_links_files_through_the_distribution(packaged: Template) -> None:
    resources = _resources(packaged)
    base = {"Fn::Sub": "https://${MediaDistribution.DomainName}"}
    for logical_id in template.LOGICAL_IDS.values():
        assert resources[logical_id]["Properties"]["Environment"]["Variables"]["MEDIA_PUBLIC_BASE_URL"] == base
    assert packaged["prod"]["Outputs"]["MediaBaseUrl"]["Value"] == base


def test_a_custom_domain_brings_its_certificate() -> None:
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    serving = delivery.stage_delivery(
        {"custom_domain": {"name": "media.example.com", "certificate_arn": certificate}}, {}
    )
    config = delivery.distribution_config("prod", serving, "b.s3.amazonaws.com", "oac", "headers")
    assert config["Aliases"] == ["media.example.com"]
    assert config["ViewerCertificate"]["AcmCertificateArn"] == certificate
    assert config["ViewerCertificate"]["SslSupportMethod"] == "sni-only"
    assert delivery.public_base_url(serving) == "https://media.example.com"
    with pytest.raises(ValueError, match="us-east-1"):
        delivery.stage_delivery(
            {"custom_domain": {"name": "m.example.com", "certificate_arn": "arn:aws:acm:eu-west-1:1:c"}}, {}
        )
    with pytest.raises(ValueError, match="public-bucket"):
        delivery.stage_delivery({}, {"MEDIA_S3_ENDPOINT_URL": "https://s3.wasabisys.com"})


def test_a_public_bucket_stage_keeps_the_public_read_policy() -> None:
    env = _stage_env("dev")
    bucket = bucket_resources.resources(env, False, template.LOGICAL_IDS)
    block = bucket["MediaBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert (block["BlockPublicAcls"], block["BlockPublicPolicy"]) == (True, False)
    statement = bucket["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == "*"
    assert not _granted(bucket["MediaBucketPolicy"]["Properties"]["PolicyDocument"], env["MEDIA_BUCKET"], "uploads/1/x")
    assert "MediaBucketPolicy" not in bucket_resources.resources(env, True, template.LOGICAL_IDS)
    roles = {f: iam.static_policy("dev", f, env, cdn=False) for f in iam.FUNCTIONS}
    actions = {a for document in roles.values() for s in document["Statement"] for a in s["Action"]}
    assert "cloudfront:CreateInvalidation" not in actions


@pytest.mark.parametrize("stage", STAGES)
def test_web_acl_limits_each_key_and_each_ip_on_the_api_stage(packaged: Template, stage: str) -> None:
    resources = _resources(packaged, stage)
    acl = resources["ApiWebAcl"]["Properties"]
    assert (acl["Scope"], acl["DefaultAction"]) == ("REGIONAL", {"Allow": {}})
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    env = _stage_env(stage)
    per_key = rules["per-key"]["Statement"]["RateBasedStatement"]
    assert per_key["Limit"] == int(env["MEDIA_RATE_LIMIT"]) == 600
    assert per_key["AggregateKeyType"] == "CUSTOM_KEYS"
    assert per_key["CustomKeys"][0]["Header"]["Name"] == "x-api-key"
    regex = per_key["ScopeDownStatement"]["RegexMatchStatement"]
    assert regex["FieldToMatch"] == {"SingleHeader": {"Name": "x-api-key"}}
    per_bearer = rules["per-bearer-key"]["Statement"]["RateBasedStatement"]
    assert per_bearer["Limit"] == per_key["Limit"] and per_bearer["AggregateKeyType"] == "CUSTOM_KEYS"
    assert per_bearer["CustomKeys"][0]["Header"]["Name"] == "authorization"
    anonymous = rules["anonymous-per-ip"]["Statement"]["RateBasedStatement"]
    assert anonymous["Limit"] == int(env["MEDIA_RATE_LIMIT_ANONYMOUS"]) == 120
    assert anonymous["AggregateKeyType"] == "IP"
    keyed = [per_key["ScopeDownStatement"], per_bearer["ScopeDownStatement"]]
    assert anonymous["ScopeDownStatement"] == {"NotStatement": {"Statement": {"OrStatement": {"Statements": keyed}}}}
    ceiling = rules["per-ip-ceiling"]["Statement"]["RateBasedStatement"]
    assert ceiling["AggregateKeyType"] == "IP" and "ScopeDownStatement" not in ceiling
    for rule in rules.values():
        statement = rule["Statement"]["RateBasedStatement"]
        assert statement["EvaluationWindowSec"] == 60 and statement["Limit"] >= waf.WAF_FLOOR
        response = rule["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        headers = {h["Name"]: h["Value"] for h in response["ResponseHeaders"]}
        assert headers["Retry-After"] == "60"
        assert (headers["Cache-Control"], headers["X-Content-Type-Options"]) == ("no-store", "nosniff")
        body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
        assert body["ContentType"] == "APPLICATION_JSON"
        assert json.loads(body["Content"])["code"] == "rate_limited"
    association = resources["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    assert association["ResourceArn"]["Fn::Sub"].endswith("/restapis/${RestAPI}/stages/${RestAPI.Stage}")


def test_key_format_rule_is_the_format_of_the_keys_the_service_issues(tenant: Tenant) -> None:
    from chalicelib.auth import KEY_RE

    pattern = re.compile(waf.KEY_FORMAT)
    assert pattern.pattern == KEY_RE.pattern
    assert pattern.fullmatch(tenant.api_key)
    for value in ("", "sk_live_short", "Bearer sk_live_" + "a" * 43, "sk_prod_" + "a" * 43, "sk_live_" + "a" * 44):
        assert not pattern.fullmatch(value), value


def test_bearer_rule_matches_a_key_sent_as_a_bearer_token_in_any_case_of_the_scheme(tenant: Tenant) -> None:
    from chalicelib import auth

    pattern = re.compile(waf.BEARER_FORMAT)
    for header in (f"Bearer {tenant.api_key}", f"bearer {tenant.api_key}", f"BEARER {tenant.api_key}"):
        assert auth.presented_key(None, header) == tenant.api_key
        assert pattern.fullmatch(header.lower())  # WAF lower-cases the header before matching
    for header in ("", f"Basic {tenant.api_key}", "Bearer sk_live_short", f"Bearer  {tenant.api_key}x"):
        assert not pattern.fullmatch(header.lower()), header


def test_limits_below_what_waf_accepts_are_refused() -> None:
    assert waf.stage_limits({}, {}) == waf.Limits(600, 120, 6000)
    with pytest.raises(ValueError, match="between 10"):
        waf.stage_limits({"MEDIA_RATE_LIMIT": "5"}, {})
    with pytest.raises(ValueError, match="integer"):
        waf.stage_limits({"MEDIA_RATE_LIMIT_ANONYMOUS": "lots"}, {})


def test_invalidation_queue_feeds_the_invalidate_function_in_batches(packaged: Template) -> None:
    resources = _resources(packaged)
    events = resources["Invalidate"]["Properties"]["Events"]["InvalidationBatches"]
    assert events["Type"] == "SQS"
    assert events["Properties"]["Queue"] == {"Fn::GetAtt": ["InvalidationQueue", "Arn"]}
    assert events["Properties"]["BatchSize"] == 1000
    assert events["Properties"]["MaximumBatchingWindowInSeconds"] == 60
    assert events["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = resources["InvalidationQueue"]["Properties"]
    timeout = resources["Invalidate"]["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["InvalidationDeadLetters", "Arn"]}
    api = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api["MEDIA_INVALIDATION_QUEUE_URL"] == {"Ref": "InvalidationQueue"}
    invalidate = resources["Invalidate"]["Properties"]["Environment"]["Variables"]
    assert invalidate["MEDIA_DISTRIBUTION_ID"] == {"Ref": "MediaDistribution"}
    # The API may only send; the invalidator may only poll and invalidate that distribution.
    queue_arn = {"Fn::GetAtt": ["InvalidationQueue", "Arn"]}
    sends = [s for s in _statements(resources, "ApiHandler") if s["Resource"] == queue_arn]
    assert [s["Action"] for s in sends] == [["sqs:SendMessage"]]
    invalidator = _statements(resources, "Invalidate")
    assert any(s["Resource"] == queue_arn and "sqs:ReceiveMessage" in s["Action"] for s in invalidator)
    (invalidation,) = [s for s in invalidator if s["Action"] == ["cloudfront:CreateInvalidation"]]
    assert invalidation["Resource"]["Fn::Sub"].endswith(":distribution/${MediaDistribution}")
    others = [r for r in template._ROLE_IDS.values() if r != "Invalidate"]
    assert not any("cloudfront:CreateInvalidation" in s["Action"] for r in others for s in _statements(resources, r))
    alarms = {k: r for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    dead = alarms["InvalidationDeadLettersAlarm"]["Properties"]
    assert dead["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["InvalidationDeadLetters", "QueueName"]}}
    ]
    cdn = alarms["Cdn5xxRateAlarm"]
    assert (cdn["Properties"]["Namespace"], cdn["Properties"]["MetricName"]) == ("AWS/CloudFront", "5xxErrorRate")
    assert {"Name": "Region", "Value": "Global"} in cdn["Properties"]["Dimensions"]
    assert cdn["Condition"] == "InUsEast1" and "InUsEast1" in packaged["prod"]["Conditions"]


@pytest.mark.parametrize("stage", STAGES)
def test_worker_layer_goes_to_the_derivatives_function_only(packaged: Template, stage: str) -> None:
    resources = _resources(packaged, stage)
    layer = resources["WorkerLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "./worker-layer.zip"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    functions = {k: r["Properties"] for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert {k for k, p in functions.items() if p.get("Layers")} == {"Derivatives"}
    worker = functions["Derivatives"]
    assert worker["Layers"] == [{"Ref": "WorkerLayer"}]
    assert (worker["MemorySize"], worker["EphemeralStorage"], worker["Timeout"]) == (3008, {"Size": 2048}, 900)
    assert worker["Runtime"] == "python3.11"
    assert functions["APIHandler"]["Timeout"] == 29
    assert functions["APIHandler"]["MemorySize"] < worker_layer.MEMORY_MB
    # PyAV never ships with the API: it is in the worker's requirements only.
    shipped = (ROOT / "requirements.txt").read_text().lower()
    assert not re.search(r"^av\b", shipped, re.MULTILINE)
    assert re.search(r"^av==14\.2\.0$", (ROOT / "requirements-worker.txt").read_text(), re.MULTILINE)
