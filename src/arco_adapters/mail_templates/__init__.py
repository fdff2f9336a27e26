"""`JinjaEmailTemplates`: ARCO's e-mails written from Jinja2 templates shipped with the package.

Each message is three files per language under `templates/<language>/`: `<name>.subject.txt`, `<name>.txt`
and `<name>.html` (the HTML extends `layout.html`). Undefined variables raise (`StrictUndefined`), HTML is
escaped, and the variables given must be exactly the ones the domain's catalogue declares for the template.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from arco_domain.model.notifications import TEMPLATE_VARIABLES, Language, MailTemplate, RenderedEmail

PARTS = ("subject.txt", "txt", "html")


def template_environment() -> Environment:
    return Environment(
        loader=PackageLoader("arco_adapters.mail_templates", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        keep_trailing_newline=True,
    )


def template_path(template: MailTemplate, language: Language, part: str) -> str:
    return f"{language}/{template}.{part}"


class JinjaEmailTemplates:
    def __init__(self, *, brand: str = "ARCO") -> None:
        self._environment = template_environment()
        self._brand = brand

    def render(self, template: MailTemplate, language: Language, variables: Mapping[str, object]) -> RenderedEmail:
        declared = TEMPLATE_VARIABLES[template]
        if set(variables) != declared:
            missing, unknown = sorted(declared - set(variables)), sorted(set(variables) - declared)
            raise ValueError(f"template {template}: missing {missing}, unknown {unknown}")
        context = {**variables, "brand": self._brand, "language": str(language)}
        subject, text, html = (
            self._environment.get_template(template_path(template, language, part)).render(context) for part in PARTS
        )
        return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)
