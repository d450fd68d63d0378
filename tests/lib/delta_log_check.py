#!/usr/bin/env python3
"""Checks a Delta table's JSON log against the writer requirements of the
Delta protocol (../shared/spec/delta/PROTOCOL.md), independently of loch's
own reader: contiguous versions from 0, one JSON action per line, commitInfo
with an operation and timestamp, protocol and metaData in version 0, every
add with a partitionValues map matching the partition columns, size,
modificationTime, dataChange and stats (numRecords, minValues, maxValues,
nullCount), every remove with a deletionTimestamp, and a protocol that names
the features the metadata uses. Prints one line per problem; exit 1 if any.

usage: delta_log_check.py TABLE_DIR
"""
import json
import os
import re
import sys


def main():
    root = sys.argv[1]
    log = os.path.join(root, "_delta_log")
    problems = []
    commits = sorted(int(f[:20]) for f in os.listdir(log) if re.fullmatch(r"\d{20}\.json", f))
    if not commits or commits[0] != 0:
        problems.append("the log does not start at version 0")
    for previous, version in zip(commits, commits[1:]):
        if version != previous + 1:
            problems.append(f"versions jump from {previous} to {version}")
    protocol, metadata = None, None
    for version in commits:
        where = f"{version:020d}.json"
        lines = open(os.path.join(log, where)).read().splitlines()
        actions = []
        for number, line in enumerate(lines, 1):
            try:
                actions.append(json.loads(line))
            except ValueError:
                problems.append(f"{where}: line {number} is not JSON")
        infos = [a["commitInfo"] for a in actions if "commitInfo" in a]
        if len(infos) != 1 or not infos[0].get("operation") or not isinstance(infos[0].get("timestamp"), int):
            problems.append(f"{where}: needs one commitInfo with operation and timestamp")
        for action in actions:
            if "protocol" in action:
                protocol = action["protocol"]
            if "metaData" in action:
                metadata = action["metaData"]
                json.loads(metadata["schemaString"])
        if version == 0 and (protocol is None or metadata is None):
            problems.append(f"{where}: version 0 needs protocol and metaData")
            continue
        partition_columns = set(metadata["partitionColumns"]) if metadata else set()
        for action in actions:
            if "add" in action:
                add = action["add"]
                for key in ("path", "partitionValues", "size", "modificationTime", "dataChange", "stats"):
                    if key not in add:
                        problems.append(f"{where}: add {add.get('path')} has no {key}")
                if metadata and "partitionValues" in add and set(add["partitionValues"]) != partition_columns and \
                        metadata.get("configuration", {}).get("delta.columnMapping.mode", "none") == "none":
                    problems.append(f"{where}: add {add['path']} partitionValues keys differ from the partition columns")
                if "stats" in add:
                    stats = json.loads(add["stats"])
                    for key in ("numRecords", "minValues", "maxValues", "nullCount"):
                        if key not in stats:
                            problems.append(f"{where}: add {add['path']} stats have no {key}")
            if "remove" in action and "deletionTimestamp" not in action["remove"]:
                problems.append(f"{where}: remove {action['remove'].get('path')} has no deletionTimestamp")
        if protocol and metadata:
            config = metadata.get("configuration", {})
            reader = protocol.get("readerFeatures") or []
            writer = protocol.get("writerFeatures") or []
            if config.get("delta.enableDeletionVectors") == "true" and \
                    ("deletionVectors" not in reader or "deletionVectors" not in writer):
                problems.append(f"{where}: deletion vectors enabled but not in the protocol's features")
            if any(k.startswith("delta.constraints.") for k in config) and protocol["minWriterVersion"] < 3:
                problems.append(f"{where}: CHECK constraints need writer version 3 or checkConstraints")
            if protocol["minWriterVersion"] == 7 and "checkConstraints" not in writer and \
                    any(k.startswith("delta.constraints.") for k in config):
                problems.append(f"{where}: CHECK constraints need the checkConstraints writer feature")
            if protocol["minWriterVersion"] < 2:
                problems.append(f"{where}: loch writes at least writer version 2")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
