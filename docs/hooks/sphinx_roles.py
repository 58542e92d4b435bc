"""mkdocs hook: Sphinx cross-reference roles in docstrings (``:class:`X```) become links.

mkdocstrings renders numpydoc docstrings as Markdown, where ``:class:`X``` would
show literally as ":class:X". This hook turns every such role into an
autorefs cross-reference to the object's page (``datafix.X`` and bare public
names are resolved through ``datafix``'s flat public names), or into plain code
when the target is not documented here (imbalanced-learn, scikit-learn, ...).
"""

from __future__ import annotations

import re

ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|exc|obj|ref):<code>~?([\w.]+)(\(\))?</code>")


def _public_names() -> dict:
    import datafix

    return {name: f"datafix{module}" if module.startswith(".") else module
            for name, module in datafix._PUBLIC_NAMES.items()}


def _identifier(target: str, public: dict) -> str:
    parts = target.split(".")
    if parts[0] == "datafix" and len(parts) == 2 and parts[1] in public:
        return f"{public[parts[1]]}.{parts[1]}"  # datafix.X -> datafix.<module>.X
    if len(parts) == 1 and target in public:
        return f"{public[target]}.{target}"
    return target


def on_page_content(html, page, config, files):
    public = _public_names()

    def replace(match):
        target, call = match.group(1), match.group(2) or ""
        shown = target.split(".")[-1] + call if target.startswith("datafix.") else target + call
        return (f'<autoref identifier="{_identifier(target, public)}" optional>'
                f"<code>{shown}</code></autoref>")

    return ROLE.sub(replace, html)
