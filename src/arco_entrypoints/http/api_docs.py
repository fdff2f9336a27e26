"""The OpenAPI document and, where it is switched on, the interactive docs page that reads it."""

from __future__ import annotations

import html
from typing import Any

import msgspec
from litestar import Request
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

SCALAR_VERSION = "1.76.4"
SCALAR_URL = f"https://cdn.jsdelivr.net/npm/@scalar/api-reference@{SCALAR_VERSION}/dist/browser/standalone.js"
SCALAR_INTEGRITY = "sha384-hwB9WroDTpZaI38gr+u9CXA6ksz5gUYgD2GxXazKl/agT1L2GWUiRFWGJYNiFu4Q"
"""The sha384 of that file as the npm registry publishes it (`dist/browser/standalone.js` of the tarball)."""


class PinnedScalar(ScalarRenderPlugin):
    """Scalar at one release, which the browser runs only if it hashes to `SCALAR_INTEGRITY`; nothing else
    (style sheet, favicon, fonts) is fetched from elsewhere."""

    def __init__(self) -> None:
        super().__init__(js_url=SCALAR_URL, path="/", options={"withDefaultFonts": False}, favicon="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(openapi_schema["info"]["title"])
        document = html.escape(self.get_openapi_json_route(request))
        configuration = html.escape(msgspec.json.encode(self.options).decode())
        return f"""<!DOCTYPE html>
<html>
  <head>
    <title>{title}</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {self.style}
  </head>
  <body>
    <script id="api-reference" data-url="{document}" data-configuration="{configuration}"></script>
    <script src="{SCALAR_URL}" integrity="{SCALAR_INTEGRITY}" crossorigin="anonymous"></script>
  </body>
</html>
""".encode()


def openapi_config(*, docs_page: bool) -> OpenAPIConfig:
    """`/schema/openapi.json` always (clients are generated from it); the Scalar page at `/schema` if asked."""
    pages: list[OpenAPIRenderPlugin] = [PinnedScalar()] if docs_page else []
    return OpenAPIConfig(
        title="ARCO",
        version="0.1.0",
        description="The agency client platform: client dashboard, admin dashboard and acquisition funnel.",
        path="/schema",
        render_plugins=[*pages, JsonRenderPlugin()],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
        ),
        security=[{"bearer": []}],
    )
