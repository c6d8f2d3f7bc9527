"""What every metadata format draws on: the package's creators, licence, the article it comes
from or supports (the letter, for the letter's own package) and subjects, and the facts only the
authors can give (`dahpkg.package.publication.Facts`).

A fact that is not known stays out of every file and is listed by `unknown_facts`; nothing is
invented. A package that cites no article (one made by `dahpkg init` without ``--cites``) is
described without one: no file speaks of a letter it has nothing to do with. Nor does a
registry pooled by `dahpkg merge`: its sources are the centres' packages, not an article.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dahpkg.letter.scope import is_letter_package
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

LICENCE_URLS = {"CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
                "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/"}  # fmt: skip


def articles(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The package's sources that are articles: a source naming a ``centre`` is a centre's
    package pooled into a registry (`dahpkg merge`), whose authors and title are not an
    article's.

    >>> articles({"sources": [{"title": "A letter"}, {"title": "A package", "centre": "x"}]})
    [{'title': 'A letter'}]
    """
    return [s for s in descriptor.get("sources") or [] if "centre" not in s]


def licence_of(prepared: Prepared, facts: Facts) -> tuple[str, str]:
    """(SPDX id, URL) of the licence: the authors' choice, else the package's proposal."""
    proposed = package_licence(prepared.descriptor)
    name = facts.licence or str(proposed.get("name", ""))
    return name, LICENCE_URLS.get(name, str(proposed.get("path", "")))


def article_word(prepared: Prepared) -> str:
    """What the files call the article: "the letter" for the letter's own package (see
    `dahpkg.letter.scope`), else "the article"."""
    return "the letter" if is_letter_package(prepared.package) else "the article"


def cites_article(prepared: Prepared, facts: Facts) -> bool:
    """True when the package names an article: a source in its descriptor, or a DOI in
    publication.toml."""
    return bool(articles(prepared.descriptor) or facts.article_doi)


def source_title(prepared: Prepared) -> str:
    """The title of the article the data come from (the package's first source); "" when the
    package names none or gives no title."""
    sources = articles(prepared.descriptor) or [{}]
    return str(sources[0].get("title", ""))


def subjects(prepared: Prepared) -> list[dict[str, Any]]:
    """The package's subject codes, then every verified code of its variables."""
    seen: dict[str, dict[str, Any]] = {}
    items = list(prepared.descriptor.get("subjects", []))
    for item in prepared.schema.fields:
        items += list(item.codes)
        for category in item.category_codes.values():
            items += list(category)
    for code in items:
        if code.get("verified", True) and code["uri"] not in seen:
            seen[code["uri"]] = code
    return list(seen.values())


def unknown_facts(prepared: Prepared, facts: Facts) -> tuple[str, ...]:
    missing = []
    if not facts.dataset_doi:
        missing.append(
            "the data set's DOI ([dataset] doi; dahpkg deposit reserves one and writes it into "
            "the deposited files)"
        )
    if not facts.licence:
        missing.append("the licence confirmed by the authors ([dataset] licence)")
    # An article is asked about only when the package names one.
    article = article_word(prepared).removeprefix("the ")
    if cites_article(prepared, facts) and not facts.article_doi:
        missing.append(f"the DOI of the {article} ([article] doi)")
    if cites_article(prepared, facts) and not facts.journal:
        missing.append(f"the journal of the {article} ([article] journal)")
    people = [p.get("familyName", p.get("title", "")) for p in creators_of(prepared.descriptor)]
    without = [p for p in people if p not in facts.orcid]
    if without:
        missing.append(f"ORCID iDs of {', '.join(without)} ([orcid])")
    return tuple(missing)


def creators_of(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The contributors with the role creator: the authors of the data set."""
    return [c for c in descriptor.get("contributors", []) if "creator" in c.get("roles", [])]


def package_licence(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The first licence of the package (name, path, title), as it proposes it."""
    licences = descriptor.get("licenses") or [{}]
    return dict(licences[0])


def _initials(given: str) -> str:
    """ "Catarina" -> "C"; initials as printed ("AC") stay as they are."""
    if given.isupper() and len(given) <= 3:
        return given
    return "".join(word[0] for word in given.split() if word)


def author_list(descriptor: dict[str, Any]) -> str:
    """The creators as a reference list writes them: family name and initials."""
    return ", ".join(
        f"{p.get('familyName', p.get('title', ''))} {_initials(p.get('givenName', ''))}".strip()
        for p in creators_of(descriptor)
    )


def source_citation(descriptor: dict[str, Any]) -> str:
    """The article the data come from, cited in full from the package's first source (its
    authors, title and note, else its address); "" when the package names none."""
    source = (articles(descriptor) or [{}])[0]
    parts = [source.get("authors", ""), source.get("title", ""), source.get("note", "")]
    return " ".join(p.rstrip(".") + "." for p in parts if p) or str(source.get("path", ""))


def dataset_citation(prepared: Prepared) -> str:
    version = prepared.descriptor.get("version", "")
    return (f"{author_list(prepared.descriptor)}. {prepared.title} (version {version}) "
            f"[data set]. {prepared.created.year}.")  # fmt: skip


def deposit_marker(descriptor: dict[str, Any]) -> str:
    """The sentence in a deposit's notes by which dahpkg recognises its own deposition of a
    package version on the server, whatever the local state."""
    name, version = descriptor.get("name") or "episodes", descriptor.get("version", "")
    return f"Deposited with dahpkg from the data package {name}, version {version}."


def disclosure_note(prepared: Prepared) -> str:
    """One paragraph on the disclosure risk of the release, and its acknowledgement."""
    assert prepared.privacy is not None
    report = prepared.privacy
    r = report.released
    text = (f"Disclosure risk, per patient, assessed by dahpkg: no direct identifier found; "
            f"k-anonymity k = {r.k} over {', '.join(r.attributes)}; {r.unique} of "
            f"{r.patients} patients unique.")  # fmt: skip
    if report.generalisation is not None:
        text += f" Generalised for release: {report.generalisation.describe()}."
    if prepared.risk_accepted:
        text += f" Released with the risk acknowledged by the authors: {prepared.risk_accepted}"
    return text
