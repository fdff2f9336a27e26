"""The e-mail templates: every one renders in every language, and none can go out with a blank."""

from __future__ import annotations

import pytest
from jinja2 import meta

from arco_adapters.mail_templates import PARTS, JinjaEmailTemplates, template_environment, template_path
from arco_domain.model.notifications import TEMPLATE_VARIABLES, Language, MailTemplate

ALWAYS_GIVEN = {"brand", "language"}
EVERY_TEMPLATE = [(template, language) for template in MailTemplate for language in Language]


def sample(template: MailTemplate) -> dict[str, object]:
    return {name: f"<{name}-value>" for name in TEMPLATE_VARIABLES[template]}


@pytest.mark.parametrize(("template", "language"), EVERY_TEMPLATE, ids=str)
def test_each_template_uses_only_its_declared_variables(template: MailTemplate, language: Language) -> None:
    environment = template_environment()
    assert environment.loader is not None
    for part in PARTS:
        source, _, _ = environment.loader.get_source(environment, template_path(template, language, part))
        used = meta.find_undeclared_variables(environment.parse(source))
        assert used <= TEMPLATE_VARIABLES[template] | ALWAYS_GIVEN, (part, used)


@pytest.mark.parametrize(("template", "language"), EVERY_TEMPLATE, ids=str)
def test_each_template_renders_a_subject_a_text_and_an_escaped_html_part(
    template: MailTemplate, language: Language
) -> None:
    rendered = JinjaEmailTemplates(brand="Agência & Cia").render(template, language, sample(template))
    assert rendered.subject and "\n" not in rendered.subject
    assert "<login_url-value>" in rendered.text
    assert "&lt;login_url-value&gt;" in rendered.html and "<login_url-value>" not in rendered.html
    assert f'lang="{language}"' in rendered.html and "Agência &amp; Cia" in rendered.html


def test_the_two_languages_say_it_differently() -> None:
    templates = JinjaEmailTemplates()
    variables = sample(MailTemplate.WELCOME)
    english = templates.render(MailTemplate.WELCOME, Language.EN, variables)
    portuguese = templates.render(MailTemplate.WELCOME, Language.PT_BR, variables)
    assert english.subject.startswith("Welcome") and portuguese.subject.startswith("Boas-vindas")


@pytest.mark.parametrize("template", list(MailTemplate), ids=str)
def test_a_missing_or_unknown_variable_is_refused_before_anything_is_written(template: MailTemplate) -> None:
    variables = sample(template)
    missing = dict(variables)
    missing.pop("login_url")
    with pytest.raises(ValueError, match="missing \\['login_url'\\]"):
        JinjaEmailTemplates().render(template, Language.EN, missing)
    with pytest.raises(ValueError, match="unknown \\['coupon'\\]"):
        JinjaEmailTemplates().render(template, Language.EN, {**variables, "coupon": "X"})


class TestPreferredLanguage:
    @pytest.mark.parametrize(
        ("header", "language"),
        [
            (None, Language.PT_BR),
            ("", Language.PT_BR),
            ("en-US,en;q=0.9", Language.EN),
            ("pt-BR,pt;q=0.9,en;q=0.8", Language.PT_BR),
            ("fr-FR, en;q=0.5, pt;q=0.7", Language.PT_BR),
            ("de-DE", Language.PT_BR),
            ("en;q=0, pt;q=0.1", Language.PT_BR),
            ("en;q=abc, pt;q=0.2", Language.PT_BR),
        ],
    )
    def test_the_best_supported_language_of_the_header_wins(self, header: str | None, language: Language) -> None:
        assert Language.preferred(header) is language
