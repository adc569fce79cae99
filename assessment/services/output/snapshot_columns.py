"""A frozen cycle's per-person data as packed columns: what a report version stores.

A cycle of 100,000 responses has some 800,000 belief–fact pairs and 100,000 people's scores.
Stored as one JSON object per pair and per person (report versions of format 1), they took
hundreds of megabytes of JSON, and writing or reading them built millions of Python objects.
Here each column is a NumPy array packed into one string (little-endian bytes, compressed with
zlib, in base64), so the payload costs a few bytes per pair and per score, and freezing or
reading a cycle never makes an object per pair or per person. Floats are stored bit for bit,
so what is read back equals what was computed.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assessment.services.gaps.analysis import BeliefTable, People
from assessment.services.scoring.people import ScoreColumns

FORMAT = 2  # format 1: one JSON object per person ("scores") and per pair ("gaps"/"pairs")
# The element types a packed column may have (the payload is the app's own, but a value read
# from the database is still checked before NumPy interprets its bytes).
DTYPES = frozenset({"<f8", "|i1", "<i4"})
Packed = dict[str, Any]


def pack(values: npt.NDArray[Any]) -> Packed:
    """One array as JSON: its element type, shape and compressed bytes."""
    array = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<"))
    if array.dtype.str not in DTYPES:
        raise ValueError(f"cannot pack {array.dtype.str}")
    data = base64.b64encode(zlib.compress(array.tobytes(), 6)).decode("ascii")
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": data}


def unpack(packed: Mapping[str, Any]) -> npt.NDArray[Any]:
    """The array ``pack`` was given."""
    dtype, shape = packed["dtype"], tuple(int(n) for n in packed["shape"])
    if dtype not in DTYPES:
        raise ValueError(f"unknown packed type {dtype!r}")
    raw = zlib.decompress(base64.b64decode(packed["data"]))
    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape)


def people_json(columns: ScoreColumns) -> dict[str, list[str]]:
    """Everyone who submitted, in the scores' (role, email) order; the pairs refer to them."""
    return {
        "email": list(columns.emails),
        "name": list(columns.names),
        "role": list(columns.roles),
    }


def scores_json(columns: ScoreColumns) -> dict[str, Any]:
    """Every person's scores and levels, row k for the k-th person of ``people_json``."""
    return {
        "domains": list(columns.domain_ids),
        "levels": list(columns.level_ids),
        "overall": pack(columns.overall),
        "overall_level": pack(columns.overall_level),
        "domain_scores": pack(columns.domain_scores),
        "domain_levels": pack(columns.domain_levels),
        "standard_errors": pack(columns.standard_errors),
    }


def scores_from_json(people: Mapping[str, Any], scores: Mapping[str, Any]) -> ScoreColumns:
    """The columns ``people_json`` and ``scores_json`` stored."""
    return ScoreColumns(
        emails=people["email"],
        names=people["name"],
        roles=people["role"],
        domain_ids=tuple(scores["domains"]),
        level_ids=tuple(scores["levels"]),
        overall=unpack(scores["overall"]),
        overall_level=unpack(scores["overall_level"]),
        domain_scores=unpack(scores["domain_scores"]),
        domain_levels=unpack(scores["domain_levels"]),
        standard_errors=unpack(scores["standard_errors"]),
    )


def pairs_json(
    beliefs: BeliefTable, position: npt.NDArray[np.int64], actual: Mapping[str, str]
) -> dict[str, Any]:
    """The beliefs whose fact has a reported category, in their order, with those categories.

    ``position`` gives, for each person of ``beliefs``, their row in ``people_json``. As in
    format 1, only pairs are kept: beliefs about facts not reported were pending when the
    cycle froze and stay out of its stored report.
    """
    reported = np.array([f in actual for f in beliefs.fact_ids], dtype=bool)
    rows = np.flatnonzero(reported[beliefs.fact])
    facts = [beliefs.fact_ids[k] for k in np.unique(beliefs.fact[rows]).tolist()]
    return {
        "person": pack(position[beliefs.person[rows]].astype(np.int32)),
        "item": pack(beliefs.item[rows]),
        "fact": pack(beliefs.fact[rows]),
        "belief": pack(beliefs.label[rows]),
        "items": list(beliefs.item_ids),
        "facts": list(beliefs.fact_ids),
        "beliefs": list(beliefs.labels),
        "actual": {f: actual[f] for f in sorted(facts)},
    }


def pairs_from_json(
    pairs: Mapping[str, Any], emails: Sequence[str], names: Sequence[str], roles: Sequence[str]
) -> tuple[BeliefTable, dict[str, str]]:
    """The stored pairs as a belief table over the given people, and each pair's reported
    category by fact: what the gap analysis of the frozen cycle starts from."""
    return (
        BeliefTable(
            People(emails, names, roles),
            unpack(pairs["person"]).astype(np.int32),
            unpack(pairs["item"]).astype(np.int32),
            unpack(pairs["fact"]).astype(np.int32),
            unpack(pairs["belief"]).astype(np.int32),
            tuple(pairs["items"]),
            tuple(pairs["facts"]),
            tuple(pairs["beliefs"]),
        ),
        dict(pairs["actual"]),
    )
