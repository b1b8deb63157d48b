"""What a stage needs to be watched and to recover: the failed-event queue, the
functions' on-failure destinations, and the alarms (docs/deploy.md, "Watching").

One set of definitions, rendered for the packaged template (CloudFormation
resources) and for the `chalice deploy` path (bootstrap creates the queue,
post-deploy applies the destinations and the alarms through the API).

- Ingest and derivatives run on the bucket's asynchronous events. An event that
  still fails after Lambda's two retries goes to ``{app}-{stage}-event-failures``
  (SQS, 14 days) with its original payload; ``manage.py ingest redrive`` replays it.
- Alarms: the API's 5xx rate, each function's errors and throttles, any message
  in the failed-event queue, and a spike of refused uploads; with CloudFront,
  any message in the invalidation dead-letter queue and the distribution's 5xx
  rate (CloudFront's metrics exist in us-east-1 only, so that alarm lives there). They notify the SNS
  topic the stage's ``deploy.alarm_topic_arn`` names; without one they have no
  actions (the console still shows their state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ops import iam

#: Functions invoked asynchronously by the bucket, whose failures are kept.
ASYNC_FUNCTIONS = ("ingest", "derivatives")
QUEUE_ID = "EventFailures"
RETENTION_SECONDS = 14 * 24 * 3600
RETRIES = 2  # Lambda's default for asynchronous invocations, written down
PERIOD = 300


@dataclass(frozen=True)
class Alarm:
    logical_id: str
    description: str
    namespace: str
    metric: str
    dimensions: dict[str, Any]
    statistic: str
    threshold: float
    evaluation_periods: int = 1
    #: Where the metric lives when not in the stack's region (CloudFront: us-east-1).
    region: str | None = None

    def properties(self, name: str, actions: list[Any]) -> dict[str, Any]:
        props: dict[str, Any] = {
            "AlarmName": name,
            "AlarmDescription": self.description,
            "Namespace": self.namespace,
            "MetricName": self.metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions.items()],
            "Statistic": self.statistic,
            "Period": PERIOD,
            "EvaluationPeriods": self.evaluation_periods,
            "Threshold": self.threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        }
        if actions:
            props.update(AlarmActions=actions, OKActions=actions)
        return props


def alarms(stage: str, settings: dict[str, Any], queue: Any, api_stage: str, cdn: Cdn | None = None) -> list[Alarm]:
    """Every alarm of the stage; ``queue`` is the failed-event queue's name (or a reference to it),
    ``cdn`` the distribution and invalidation dead letters of a CloudFront stage."""
    found = [
        Alarm(
            "Api5xxRateAlarm",
            "More than the stage's share of API requests answered 5xx in 5 minutes (runbook: 'Api5xxRate').",
            "AWS/ApiGateway",
            "5XXError",
            {"ApiName": iam.APP_NAME, "Stage": api_stage},
            "Average",
            float(settings.get("api_5xx_rate", 0.01)),
        ),
        Alarm(
            "EventFailuresAlarm",
            "An event failed after its retries and waits in the failed-event queue (runbook: 'EventFailures').",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": queue},
            "Maximum",
            0,
        ),
        Alarm(
            "RejectionSpikeAlarm",
            "Many uploads refused in 5 minutes: a client bug, an attack, or a probe regression "
            "(runbook: 'RejectionSpike').",
            "MediaApi",
            "UploadsRejected",
            {"Stage": stage},
            "Sum",
            float(settings.get("rejection_spike", 50)),
        ),
        Alarm(
            "RenditionFailuresAlarm",
            "The derivatives worker could not make a rendition (a file the probe accepted that FFmpeg cannot "
            "decode, or the time ran out); the file is kept and the reconciler tries again "
            "(runbook: 'RenditionFailures').",
            "MediaApi",
            "RenditionFailures",
            {"Stage": stage},
            "Sum",
            0,
        ),
    ]
    if cdn is not None:
        found += cdn_alarms(settings, cdn)
    for function in iam.FUNCTIONS:
        name = iam.function_name(stage, function)
        title = "".join(part.title() for part in function.split("_"))
        for metric in ("Errors", "Throttles"):
            found.append(
                Alarm(
                    f"{title}{metric}Alarm",
                    f"{name} had {metric.lower()} in 5 minutes (runbook: 'Lambda{metric}').",
                    "AWS/Lambda",
                    metric,
                    {"FunctionName": name},
                    "Sum",
                    0,
                )
            )
    return found


@dataclass(frozen=True)
class Cdn:
    distribution_id: Any
    dead_letters: Any  # the invalidation dead-letter queue's name


def cdn_alarms(settings: dict[str, Any], cdn: Cdn) -> list[Alarm]:
    return [
        Alarm(
            "InvalidationDeadLettersAlarm",
            "Deleted files' paths the CDN was not told to forget after 5 tries (runbook: 'InvalidationDeadLetters').",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": cdn.dead_letters},
            "Maximum",
            0,
        ),
        Alarm(
            "Cdn5xxRateAlarm",
            "More than the stage's share of CDN answers were 5xx in 5 minutes (runbook: 'Cdn5xxRate').",
            "AWS/CloudFront",
            "5xxErrorRate",
            {"DistributionId": cdn.distribution_id, "Region": "Global"},
            "Average",
            float(settings.get("cdn_5xx_rate_percent", 1)),
            region="us-east-1",
        ),
    ]


def alarm_name(stage: str, alarm: Alarm) -> str:
    return f"{iam.APP_NAME}-{stage}-{alarm.logical_id.removesuffix('Alarm')}"


def actions(settings: dict[str, Any]) -> list[str]:
    topic = settings.get("alarm_topic_arn")
    return [str(topic)] if topic else []


def resources(
    stage: str, settings: dict[str, Any], api_stage: str, logical_ids: dict[str, str], cdn: bool = True
) -> dict[str, Any]:
    """The CloudFormation resources: the queue, the on-failure destinations, the alarms."""
    out: dict[str, Any] = {
        QUEUE_ID: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": iam.failure_queue_name(stage),
                "MessageRetentionPeriod": RETENTION_SECONDS,
                "SqsManagedSseEnabled": True,
            },
        }
    }
    for function in ASYNC_FUNCTIONS:
        out[f"{logical_ids[function]}EventInvokeConfig"] = {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": logical_ids[function]},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": RETRIES,
                "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [QUEUE_ID, "Arn"]}}},
            },
        }
    queue = {"Fn::GetAtt": [QUEUE_ID, "QueueName"]}
    refs = Cdn({"Ref": "MediaDistribution"}, {"Fn::GetAtt": ["InvalidationDeadLetters", "QueueName"]}) if cdn else None
    for alarm in alarms(stage, settings, queue, api_stage, refs):
        out[alarm.logical_id] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": alarm.properties(alarm_name(stage, alarm), list(actions(settings))),
        }
        if alarm.region:
            # An alarm sees only its own region's metrics: a stack elsewhere gets this one
            # from `manage.py post-deploy --stage STAGE --cdn-alarm-only ID` (docs/deploy.md).
            out[alarm.logical_id]["Condition"] = "InUsEast1"
    return out


CONDITIONS = {"InUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}}
