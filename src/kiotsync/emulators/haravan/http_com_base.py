"""What the ``/com`` route modules share: a handler's shape and answer, the ``fields``
projection of the answer (digest §2.2) and the configured page-size limit.

A handler is ``handler(ctx, args, body, **path_values) -> (status, json)``; a route is
``(path, methods, scope family, handler)`` (``write_<family>`` implies ``read_<family>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .context import Ctx
from .listing import fields_param, project, project_all

Result = tuple[int, Any]
Handler = Callable[..., Result]
Route = tuple[str, list[str], str, Handler]


def page_limit(ctx: Ctx) -> int:
    return ctx.config.max_page_limit


def many(key: str, objs: list[dict[str, Any]], args: Mapping[str, str]) -> Result:
    """A list answer under ``key``, each object trimmed to ``fields``."""
    return 200, {key: project_all(objs, fields_param(args))}


def one(key: str, obj: dict[str, Any], args: Mapping[str, str], status: int = 200) -> Result:
    """A single-object answer under ``key``, trimmed to ``fields``."""
    return status, {key: project(obj, fields_param(args))}
