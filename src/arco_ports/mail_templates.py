"""Writing e-mails from templates, in the recipient's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from arco_domain.model.notifications import Language, MailTemplate, RenderedEmail


class EmailTemplates(Protocol):
    def render(self, template: MailTemplate, language: Language, variables: Mapping[str, object]) -> RenderedEmail:
        """`template` in `language`, filled with `variables`.

        Raises `ValueError` unless `variables` holds exactly the template's declared variables, so a message is
        never sent with a blank where a name or a link should be.
        """
        ...
