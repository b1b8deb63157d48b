"""Least-privilege IAM for the Lambda functions, derived from what chalicelib calls.

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

from chalicelib.domain.layout import MEDIA_PREFIX, PUBLIC_PREFIXES, RENDITION_PREFIX, STAGING_PREFIX, THUMBNAIL_PREFIX

APP_NAME = "media-api"
FUNCTIONS = ("api_handler", "ingest", "derivatives", "invalidate", "reconcile")
TABLES = ("accounts", "api-keys", "media", "uploads", "idempotency")
#: Grant kinds that exist only when a CDN serves the files (delivery "cloudfront").
CDN_KINDS = ("invalidations", "distribution")


@dataclass(frozen=True)
class Grant:
    kind: str  # table | index | objects | bucket | parameter | queue | invalidations | distribution
    name: str  # table suffix, "table/index", a key prefix (objects), or "" for the bucket/parameter
    actions: tuple[str, ...]
    why: str


# What each use case calls (chalicelib/records/, storage/):
#  records: Get/Put/UpdateItem, Query (table + by-type index), BatchGetItem,
#  transactions of Put/Update/Delete; reconcile scans media and sessions.
#  storage: HeadObject + ranged GetObject (s3:GetObject) on staged uploads,
#  CopyObject staged -> public (GetObject on the source, PutObject on the
#  copy), PutObject (direct upload), DeleteObject, ListObjectsV2.
_STAGED = Grant(
    "objects",
    STAGING_PREFIX,
    ("s3:GetObject", "s3:DeleteObject"),
    "validate staged uploads (head, ranged reads, copy source), remove them once ingested or refused",
)
_PUBLIC = Grant(
    "objects",
    MEDIA_PREFIX,
    ("s3:PutObject", "s3:DeleteObject"),
    "promote checked uploads (copy target), direct uploads, delete files",
)
# Without ListBucket, S3 answers 403 (not 404) for a missing object, and
# storage would report "unavailable" where it means "not uploaded yet".
# Unconditioned: a prefix condition does not apply to HeadObject's check.
_LIST = Grant("bucket", "", ("s3:ListBucket",), "404 for missing objects; the reconciler walks the prefixes")
_READ_PUBLIC = Grant("objects", MEDIA_PREFIX, ("s3:GetObject",), "read a file once to render its thumbnail")
_THUMBS = Grant(
    "objects", THUMBNAIL_PREFIX, ("s3:PutObject", "s3:DeleteObject"), "write thumbnails, remove the ones nobody names"
)
_RENDITIONS = Grant(
    "objects", RENDITION_PREFIX, ("s3:PutObject", "s3:DeleteObject"), "write renditions, replace or remove them"
)
_INGEST_TABLES = (
    Grant("table", "accounts", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "id counter, plan counters"),
    Grant("table", "media", ("dynamodb:GetItem", "dynamodb:PutItem"), "record the file (transaction)"),
    Grant("table", "uploads", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "close the session"),
)

GRANTS: dict[str, tuple[Grant, ...]] = {
    "api_handler": (
        Grant(
            "table", "api-keys", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "authenticate the X-Api-Key, note its use"
        ),
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
        Grant("index", "media/search", ("dynamodb:Query",), "agents' search reads the compact search projection"),
        Grant(
            "table",
            "uploads",
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            "upload sessions, complete",
        ),
        # Presigned forms are signed with this role's credentials: PutObject on the staging area only.
        Grant("objects", STAGING_PREFIX, ("s3:PutObject",), "sign presigned upload forms"),
        # Download links are presigned GETs: they work while this role may read the files.
        Grant("objects", MEDIA_PREFIX, ("s3:GetObject",), "sign download links (GET /media/{id}/download)"),
        _STAGED,
        _PUBLIC,
        Grant(
            "objects",
            THUMBNAIL_PREFIX,
            ("s3:GetObject", "s3:DeleteObject"),
            "an agent looks at a file's thumbnail (MCP get_media); a file's thumbnail goes with it",
        ),
        Grant("objects", RENDITION_PREFIX, ("s3:DeleteObject",), "a file's rendition goes with it"),
        Grant("invalidations", "", ("sqs:SendMessage",), "a deleted file's paths, for the CDN to forget"),
        _LIST,
        Grant(
            "table",
            "idempotency",
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
            "Idempotency-Key: claim, keep the answer, give the key back after a 5xx",
        ),
        Grant("parameter", "", ("ssm:GetParameter",), "the cursor-signing secret (SecureString, aws/ssm key)"),
    ),
    "ingest": (
        *_INGEST_TABLES,
        _STAGED,
        _PUBLIC,
        _LIST,
        Grant("queue", "", ("sqs:SendMessage",), "an event still failing after its retries (on-failure destination)"),
    ),
    "derivatives": (
        Grant("table", "media", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "name thumbnails and renditions"),
        Grant("queue", "", ("sqs:SendMessage",), "an event still failing after its retries (on-failure destination)"),
        _READ_PUBLIC,
        _THUMBS,
        _RENDITIONS,
        _LIST,
    ),
    "invalidate": (
        Grant(
            "invalidations",
            "",
            ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"),
            "the event source mapping polls the invalidation queue with this role",
        ),
        Grant("distribution", "", ("cloudfront:CreateInvalidation",), "one invalidation per batch of deleted files"),
    ),
    "reconcile": (
        Grant("table", "accounts", ("dynamodb:GetItem", "dynamodb:UpdateItem"), "id counter, plan counters"),
        Grant(
            "table",
            "media",
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"),
            "records without objects, ingest lost events, missing thumbnails, posters and renditions",
        ),
        Grant("table", "uploads", ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Scan"), "expire sessions"),
        _STAGED,
        _PUBLIC,
        _READ_PUBLIC,
        _THUMBS,
        _RENDITIONS,
        _LIST,
    ),
}
_LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


def function_name(stage: str, function: str) -> str:
    """The deployed name (chalice's scheme; the packaged template sets the same)."""
    return f"{APP_NAME}-{stage}" if function == "api_handler" else f"{APP_NAME}-{stage}-{function}"


def failure_queue_name(stage: str) -> str:
    """The queue events that failed after their retries go to (ops.monitoring)."""
    return f"{APP_NAME}-{stage}-event-failures"


def invalidation_queue_name(stage: str) -> str:
    """The queue DELETE sends a deleted file's keys to (chalicelib.cdn)."""
    return f"{APP_NAME}-{stage}-invalidations"


def secret_parameter(stage: str) -> str:
    """Name of the stage's cursor-signing SecureString (MEDIA_CURSOR_SECRET_PARAMETER)."""
    return f"/{APP_NAME}/{stage}/cursor-secret"


def _statements(function: str, arn: Any, sub: Any, storage_keys: Any = None, cdn: bool = True) -> list[dict[str, Any]]:
    statements = []
    for grant in GRANTS[function]:
        if grant.kind in CDN_KINDS and not cdn:
            continue  # a public-bucket stage has no distribution and no invalidation queue
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


def static_policy(stage: str, function: str, env: dict[str, str], cdn: bool = True) -> dict[str, Any]:
    """The policy document chalice deploy attaches to ``function``'s role (``cdn``: the
    stage's files are served by a CloudFront distribution, ops.delivery)."""
    prefix, bucket = env["MEDIA_TABLE_PREFIX"], env["MEDIA_BUCKET"]
    name = function_name(stage, function)

    def arn(grant: Grant) -> str:
        if grant.kind == "table":
            return f"arn:aws:dynamodb:*:*:table/{prefix}-{grant.name}"
        if grant.kind == "index":
            table, index = grant.name.split("/")
            return f"arn:aws:dynamodb:*:*:table/{prefix}-{table}/index/{index}"
        if grant.kind == "objects":
            return f"arn:aws:s3:::{bucket}/{grant.name}*"
        if grant.kind == "bucket":
            return f"arn:aws:s3:::{bucket}"
        if grant.kind == "queue":
            return f"arn:aws:sqs:*:*:{failure_queue_name(stage)}"
        if grant.kind == "invalidations":
            return f"arn:aws:sqs:*:*:{invalidation_queue_name(stage)}"
        if grant.kind == "distribution":
            # Known once bootstrap has made the distribution and written its id to the stage.
            return f"arn:aws:cloudfront::*:distribution/{env.get('MEDIA_DISTRIBUTION_ID') or '*'}"
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
    return {"Version": "2012-10-17", "Statement": _statements(function, arn, sub, storage_keys, cdn)}


def cloudformation_policy(
    stage: str, function: str, env: dict[str, str], tables: dict[str, str], ids: dict[str, str], cdn: bool = True
) -> dict[str, Any]:
    """The same document for the packaged template; ``tables`` maps suffix -> logical id,
    ``ids`` the logical ids of the queues and the distribution ("queue", "invalidations",
    "distribution")."""
    bucket = env["MEDIA_BUCKET"]
    name = function_name(stage, function)

    def arn(grant: Grant) -> Any:
        if grant.kind == "table":
            return {"Fn::GetAtt": [tables[grant.name], "Arn"]}
        if grant.kind == "index":
            table, index = grant.name.split("/")
            return {"Fn::Sub": f"${{{tables[table]}.Arn}}/index/{index}"}
        if grant.kind == "objects":
            return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}/{grant.name}*"}
        if grant.kind == "bucket":
            return {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket}"}
        if grant.kind in ("queue", "invalidations"):
            return {"Fn::GetAtt": [ids[grant.kind], "Arn"]}
        if grant.kind == "distribution":
            distribution = "${" + ids[grant.kind] + "}"
            return {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/" + distribution}
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
    return {"Version": "2012-10-17", "Statement": _statements(function, arn, sub, storage_keys, cdn)}


def public_read_policy(bucket: str, partition: str = "aws") -> dict[str, Any]:
    """Anyone may GET the files and their thumbnails; nothing else is public.

    Staged uploads (not yet checked) are never readable: ACLs are disabled,
    listing the bucket is not granted, and uploads/ is not in the grant.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadMedia",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:{partition}:s3:::{bucket}/{prefix}*" for prefix in PUBLIC_PREFIXES],
            },
        ],
    }
