"""Alarms: every function's errors and throttles, stream consumers' lag, and the DLQ."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.cdk.config import DeployConfig
from infra.cdk.functions import WarblerFunction

PERIOD = Duration.minutes(5)


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: list[WarblerFunction],
        dlq: sqs.IQueue,
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", display_name=f"Warbler {config.stage} alarms", enforce_ssl=True)
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = actions.SnsAction(self.topic)

        for fn in functions:
            name = fn.spec.name
            self._alarm(
                fn, "Errors", fn.function.metric_errors(period=PERIOD, statistic="Sum"), 0, f"{name}: invocation errors"
            )
            self._alarm(
                fn, "Throttles", fn.function.metric_throttles(period=PERIOD, statistic="Sum"), 0, f"{name}: throttled"
            )
            if fn.spec.streams:
                # A growing iterator age means fan-out/graph updates are falling behind writes.
                self._alarm(
                    fn,
                    "IteratorAge",
                    fn.function.metric("IteratorAge", period=Duration.minutes(1), statistic="Maximum"),
                    config.iterator_age_alarm_ms,
                    f"{name}: stream records older than {config.iterator_age_alarm_ms} ms",
                    periods=5,
                )
        self._alarm(
            self,
            "DlqNotEmpty",
            dlq.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            0,
            "Stream records exhausted their retries and were parked in the DLQ",
        )

    def _alarm(
        self,
        scope: Construct,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        periods: int = 1,
    ) -> None:
        alarm = cloudwatch.Alarm(
            scope,
            f"{construct_id}Alarm",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
