"""Declare API routes once: Flask rule, access rule and OpenAPI entry together."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from typing import Any, TypeVar, cast

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ValidationError

from vetting.audit.chain import format_timestamp
from vetting.errors import MalformedInput, ValidationFailed
from vetting.http.access import PUBLIC, SIGNED_IN, AccessRule, mark
from vetting.policy import Action
from vetting.services.paging import DEFAULT_LIMIT, MAX_LIMIT, Page

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    access: AccessRule
    body: type[BaseModel] | None
    errors: tuple[int, ...]
    success: int
    multipart: tuple[tuple[str, dict[str, Any]], ...]
    #: The success body's content type, or several (a job's file: by its kind).
    produces: str | tuple[str, ...]
    #: Takes ``?limit=`` and ``?cursor=`` and answers with ``next_cursor`` and ``total``.
    paged: bool = False
    #: Other query parameters: (name, schema, description).
    query: tuple[tuple[str, dict[str, Any], str], ...] = ()


OPERATIONS: list[Operation] = []


def route(
    method: str,
    path: str,
    summary: str,
    access: AccessRule,
    *,
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    success: int = 200,
    multipart: tuple[tuple[str, dict[str, Any]], ...] = (),
    produces: str | tuple[str, ...] = "application/json",
    paged: bool = False,
    query: tuple[tuple[str, dict[str, Any], str], ...] = (),
) -> Callable[[F], F]:
    """Register ``path`` (OpenAPI style ``{id}``) on the API blueprint."""
    flask_rule = re.sub(r"\{(\w+)\}", r"<int:\1>", path)

    def decorator(view: F) -> F:
        # A bad limit or cursor, or a query parameter the operation does not take, is a 422 naming it.
        refusals = (*errors, 422) if (paged or query) and 422 not in errors else errors
        OPERATIONS.append(
            Operation(method.upper(), path, summary, access, body, refusals, success, multipart, produces, paged, query)
        )
        taken = {name for name, _, _ in (*query, *(PAGE_PARAMETERS if paged else ()))}
        marked = mark(access)(_only_query(view, taken) if taken else view)
        bp.add_url_rule(flask_rule, view_func=marked, methods=[method.upper()], endpoint=view.__name__)
        return marked

    return decorator


def _only_query(view: F, taken: set[str]) -> F:
    """``view``, refusing a query parameter the document does not give it: a misspelt filter
    (``?stauts=failed``) would otherwise be ignored and answer with the whole list."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        unknown = sorted(set(request.args) - taken)
        if unknown:
            raise ValidationFailed(
                f"This list takes no query parameter {unknown[0]!r}; it takes {', '.join(sorted(taken))}.",
                field=unknown[0],
            )
        return view(*args, **kwargs)

    return cast(F, checked)


#: JSON nested deeper than this is refused before it is parsed: no body here needs more than a
#: few levels, and the parser and the validators recurse (issue 14: depth 320 was a 500).
MAX_JSON_DEPTH = 64

#: A JSON string (its escapes included) or, unterminated, the rest of the body: every quote starts
#: a match, so the scan never restarts (linear time).
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nests_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether ``raw`` nests arrays and objects more than ``limit`` deep (brackets inside strings do
    not count), read without parsing it, in time linear in its length."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return False
    return max(accumulate(_STEP[b] for b in brackets)) > limit


def field_path(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as every error names a field: ``searches[0].result_count``."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def parse(model: type[M]) -> M:
    """Parse the JSON body; a bad field is a 422 that names it, a body that is not JSON (or
    nests deeper than :data:`MAX_JSON_DEPTH`) a 400 ``bad_json``."""
    raw = request.get_data(cache=False)
    if nests_deeper_than(raw, MAX_JSON_DEPTH):
        raise MalformedInput(
            f"The request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep.", code="bad_json"
        )
    try:
        payload = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as exc:
        raise MalformedInput("The request body is not valid JSON.", code="bad_json") from exc
    if _has_nul(payload):
        raise ValidationFailed("Text fields cannot contain NUL characters.", code="bad_json")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = field_path(first["loc"]) or "body"
        raise ValidationFailed(f"{field}: {first['msg']}", field=field) from exc


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


#: The query parameters of every paginated list (vetting.http.args.page_args reads them).
PAGE_PARAMETERS: tuple[tuple[str, dict[str, Any], str], ...] = (
    (
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        "How many items per page",
    ),
    ("cursor", {"type": "string"}, "The next_cursor of the previous page; omit for the first page"),
)


def page_fields(page: Page[Any]) -> dict[str, Any]:
    """What every paginated answer adds beside its list: where the next page starts (null at
    the end) and how many items match in all."""
    return {"next_cursor": page.next_cursor, "total": page.total}


def moment(value: datetime | None) -> str | None:
    """A timestamp as the API writes it: ISO 8601 UTC with microseconds, or null."""
    return format_timestamp(value) if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _state_text_rules(schema: Any) -> None:
    """Add to every text field of a request schema what :func:`parse` enforces on all of them:
    no NUL character anywhere, and (surrounding whitespace being stripped) a required text has
    something besides whitespace."""
    if isinstance(schema, list):
        for item in schema:
            _state_text_rules(item)
        return
    if not isinstance(schema, dict):
        return
    if (
        schema.get("type") == "string"
        and "enum" not in schema
        and schema.get("format") not in {"date", "date-time", "binary"}
    ):
        schema["not"] = {"pattern": "\\u0000"}
        if schema.get("minLength", 0) >= 1 and "pattern" not in schema:
            schema["pattern"] = "\\S"
    for value in schema.values():
        _state_text_rules(value)


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1 description of every registered operation."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for op in OPERATIONS:
        ok: dict[str, Any] = {"description": "Created" if op.success == 201 else "OK"}
        produced = (op.produces,) if isinstance(op.produces, str) else op.produces
        if produced != ("application/json",):
            ok["content"] = {media: {"schema": {"type": "string", "format": "binary"}} for media in produced}
        responses: dict[str, Any] = {str(op.success): ok}
        # Every JSON body can be unreadable (400 bad_json); every body can be too large (413).
        unreadable = (400, 413) if op.body is not None else (413,) if op.multipart else ()
        for status in (*((401, 403) if op.access != PUBLIC else ()), *unreadable, *op.errors):
            responses[str(status)] = {"$ref": "#/components/responses/Error"}
        entry: dict[str, Any] = {"summary": op.summary, "responses": responses}
        if op.access == PUBLIC:
            entry["security"] = []
        elif isinstance(op.access, Action):
            entry["x-required-action"] = op.access.value
        elif op.access == SIGNED_IN:
            entry["x-required-action"] = "any signed-in user"
        parameters: list[dict[str, Any]] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "integer"}}
            for p in re.findall(r"\{(\w+)\}", op.path)
        ]
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
            for name, schema, text in (*op.query, *(PAGE_PARAMETERS if op.paged else ()))
        ]
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            schema = op.body.model_json_schema(ref_template="#/components/schemas/{model}")
            _state_text_rules(schema)
            schemas.update(schema.pop("$defs", {}))
            schemas[op.body.__name__] = schema
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}},
            }
        if op.multipart:
            parts = copy.deepcopy(dict(op.multipart))
            _state_text_rules(parts)
            entry["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": [name for name, _ in op.multipart],
                            "properties": parts,
                        }
                    }
                },
            }
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "vetting API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": {p.removeprefix("/api/v1") or "/": v for p, v in sorted(paths.items())},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
        "security": [{"bearer": []}],
    }


@route("GET", "/openapi.json", "This document", PUBLIC)
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document())
