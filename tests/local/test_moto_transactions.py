"""Our moto server's transactions (``infra/local/moto_main.py``): a cancelled one leaves nothing
behind, in the table or on its stream, and open stream iterators go on seeing later writes."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def table(moto_server: str):
    ddb = boto3.client("dynamodb", endpoint_url=moto_server, region_name="us-east-1")
    name = f"tx-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    streams = boto3.client("dynamodbstreams", endpoint_url=moto_server, region_name="us-east-1")
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    yield ddb, streams, name, iterator["ShardIterator"]
    ddb.delete_table(TableName=name)


def _key(pk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": "0"}}


def _put(name: str, pk: str, **condition) -> dict:
    return {"Put": {"TableName": name, "Item": {**_key(pk), "n": {"N": "1"}}, **condition}}


def _read(streams, iterator: str) -> tuple[list[str], str]:
    page = streams.get_records(ShardIterator=iterator)
    return [r["eventName"] + " " + r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]], page["NextShardIterator"]


def test_a_cancelled_transaction_leaves_no_item_and_no_stream_record_and_iterators_see_later_writes(table):
    ddb, streams, name, iterator = table
    ddb.put_item(TableName=name, Item={**_key("a"), "n": {"N": "1"}})
    seen, iterator = _read(streams, iterator)
    assert seen == ["INSERT a"]

    # The first two writes go through inside moto before the third's condition fails.
    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(
            TransactItems=[
                _put(name, "b"),
                {"Update": {"TableName": name, "Key": _key("a"), "UpdateExpression": "SET n = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}}}},
                _put(name, "c", ConditionExpression="attribute_exists(pk)"),
            ]
        )  # fmt: skip
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in ddb.get_item(TableName=name, Key=_key("b"))
    assert "Item" not in ddb.get_item(TableName=name, Key=_key("c"))
    assert ddb.get_item(TableName=name, Key=_key("a"))["Item"]["n"] == {"N": "1"}
    seen, iterator = _read(streams, iterator)
    assert seen == []

    ddb.put_item(TableName=name, Item={**_key("d"), "n": {"N": "1"}})
    ddb.transact_write_items(TransactItems=[_put(name, "e"), _put(name, "f")])
    seen, iterator = _read(streams, iterator)
    assert seen == ["INSERT d", "INSERT e", "INSERT f"]
    assert {i["pk"]["S"] for i in ddb.scan(TableName=name)["Items"]} == {"a", "d", "e", "f"}
