"""The axe-core accessibility scan, vendored from npm (tests/support/vendor, scripts/vendor-npm.sh).

It is injected by WebDriver (DevTools evaluation, which the page's CSP does not govern), so
the apps themselves never ship it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.chrome.webdriver import WebDriver

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then((r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))))
  .catch((e) => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


def violations(browser: WebDriver) -> list[dict[str, Any]]:
    """Serious and critical WCAG violations on the page as it is now."""
    if not browser.execute_script("return typeof axe !== 'undefined'"):
        browser.execute_script(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = browser.execute_async_script(RUN)
    return [v for v in found if v.get("impact") in BLOCKING]
