"""What the browser journeys share: signing in, and the check every page must pass (a
screenshot, axe-core without serious or critical violations, and no sideways scrolling at
320 px)."""

from __future__ import annotations

from pathlib import Path

from assessment import queries
from assessment.extensions import db
from tests.conftest import ROOT

AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).parent / "screenshots"


def check(page, name: str) -> None:
    """Screenshot, axe-core, and the page at 320 px without sideways scrolling."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: " + "; ".join(serious)
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 330 && !e.closest('table')
                && getComputedStyle(e).position !== 'absolute')
        .slice(0, 5)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
    """)
    page.set_viewport_size(size)
    assert overflow <= 320, f"{name} scrolls sideways at 320 px ({overflow} px wide): {wide}"


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_cycle_id(app) -> str:
    with app.app_context():
        return queries.open_cycles(db.session)[0].id
