"""The README and the pages of docs/: every relative link names a file of the repository, and
every #anchor a heading of the page it points to (anchors made as GitHub makes them)."""
import re
from pathlib import Path

import pytest

from conftest import REPO

ROOT = Path(REPO)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# [text](target) and ![alt](target); the text may hold code spans and wrap onto the next line.
LINK = re.compile(r"!?\[(?:[^\]]|\n)*?\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prose(text):
    """The text Markdown renders as links: no fenced blocks and no HTML comments."""
    return HTML_COMMENT.sub("", FENCED_BLOCK.sub("", text))


def github_anchor(heading):
    """GitHub's anchor for a heading: its rendered text lowercased, punctuation dropped (letters,
    digits, spaces, hyphens and underscores kept), spaces turned into hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = text.replace("`", "").replace("*", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page):
    """Every anchor of a page, with GitHub's -1, -2 ... for repeated headings."""
    made = []
    for heading in HEADING.findall(prose(page.read_text(encoding="utf-8"))):
        anchor = github_anchor(heading)
        made.append(anchor if anchor not in made else f"{anchor}-{made.count(anchor)}")
    return made


def relative_links():
    for page in PAGES:
        text = CODE_SPAN.sub("", prose(page.read_text(encoding="utf-8")))
        for target in LINK.findall(text):
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, mailto: ... are not ours
                yield pytest.param(page, target, id=f"{page.relative_to(ROOT)}->{target}")


def test_the_pages_exist_and_link_somewhere():
    assert (ROOT / "docs").is_dir() and len(PAGES) > 1
    assert sum(1 for _ in relative_links()) > len(PAGES)


@pytest.mark.parametrize("page, target", list(relative_links()))
def test_a_relative_link_resolves(page, target):
    path, _, anchor = target.partition("#")
    linked = (page.parent / path).resolve() if path else page
    shown = linked.relative_to(ROOT) if linked.is_relative_to(ROOT) else linked
    assert linked.exists(), f"{page.relative_to(ROOT)} links to {target}: {shown} does not exist"
    if anchor:
        assert linked.suffix == ".md", f"{target}: an anchor into a file that is not Markdown"
        assert anchor in anchors(linked), (
            f"{page.relative_to(ROOT)} links to {target}: {shown} has no heading with anchor "
            f"#{anchor} (it has: {', '.join(anchors(linked))})")


def test_the_anchor_rule_matches_githubs_on_known_headings():
    # Worked by hand from GitHub's rule (github-slugger): the apostrophe, comma, colon and
    # backticks go, each space becomes a hyphen.
    assert github_anchor("Faithful and corrected, at both of the tutorial's settings") == \
        "faithful-and-corrected-at-both-of-the-tutorials-settings"
    assert github_anchor("Checking a script before a run: `legacy-sae check`") == \
        "checking-a-script-before-a-run-legacy-sae-check"
