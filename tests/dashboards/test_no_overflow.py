"""No element spills out of its card at 1366×768, on every page of the dashboard.

Headless Chromium opens each page on the two-week demo snapshot with the mini operator
(conftest ``demo_rows``, ``world.py``), waits until every callback has answered, and runs
:data:`OVERFLOWS` in the page: for each visible card, every descendant element's box and every
text's box must lie inside the card's (a badge pushed past the edge, a label running out of its
tile, a table wider than its box, text cut by a box too small for it). An area that scrolls is
allowed to hold more than it shows, but only where it really scrolls (its content is larger than
it is, on that axis); text cut on purpose with an ellipsis is allowed too (it carries a title).
Inside a chart, only the chart's own box is checked (plotly draws within it).
"""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from cxbridge.dashboards.app import create_app
from tests.dashboards.browser import start
from tests.dashboards.world import OPEN_FIBRE, PII_CUSTOMER

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

PAGES = (  # path, an element that shows the page has its data
    ("/", "#overview-tile-time_to_restore .kpi-number"),
    ("/marketing", "#marketing-risk-map .js-plotly-plot"),
    ("/operations", "#operations-queue-table"),
    (f"/incident/{OPEN_FIBRE}", "#incident-care-table"),
    (f"/customer/{PII_CUSTOMER['customer_id']}", "#customer-services-table"),
    ("/tickets", ".card"),
    ("/measured", ".card"),
    ("/glossary", "#glossary-time-to-restore"),
)

# Returns one line per element or text that lies outside its card by more than a pixel.
OVERFLOWS = r"""
const TOLERANCE = 1;
const out = [];
const describe = (el) => {
  const id = el.id ? '#' + el.id : '';
  const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '';
  return el.tagName.toLowerCase() + id + cls;
};
const cardName = (card) => {
  const title = card.querySelector('.card-title-text, .kpi-label, h2, h3, h4');
  return (card.id ? '#' + card.id + ' ' : '') + (title ? '"' + title.textContent.trim() + '"' : '');
};
const scrolls = (el, axis) => {
  const s = getComputedStyle(el);
  const mode = axis === 'x' ? s.overflowX : s.overflowY;
  if (mode !== 'auto' && mode !== 'scroll') return false;
  return axis === 'x' ? el.scrollWidth > el.clientWidth + TOLERANCE
                      : el.scrollHeight > el.clientHeight + TOLERANCE;
};
const ellipsis = (el) => {
  const s = getComputedStyle(el);
  return s.textOverflow === 'ellipsis' && s.overflowX !== 'visible';
};
// which axes of a node inside `card` must stay inside it (not those a scroll area holds)
const axes = (start, card) => {
  let x = true, y = true;
  for (let a = start; a && a !== card; a = a.parentElement) {
    if (scrolls(a, 'x') || ellipsis(a)) x = false;
    if (scrolls(a, 'y')) y = false;
  }
  return [x, y];
};
const visible = (el) => {
  const s = getComputedStyle(el);
  return s.display !== 'none' && s.visibility !== 'hidden' && el.getClientRects().length > 0;
};
const check = (card, box, rect, start, what) => {
  if (rect.width === 0 && rect.height === 0) return;
  const [x, y] = axes(start, card);
  const spill = [];
  const past = (by, where) => { if (by > TOLERANCE) spill.push(Math.round(by) + 'px ' + where); };
  if (x) { past(box.left - rect.left, 'left'); past(rect.right - box.right, 'right'); }
  if (y) { past(box.top - rect.top, 'above'); past(rect.bottom - box.bottom, 'below'); }
  if (spill.length) out.push(cardName(card) + ': ' + what + ' ' + spill.join(', '));
};
for (const card of document.querySelectorAll('.card')) {
  if (!visible(card)) continue;
  const box = card.getBoundingClientRect();
  const walker = document.createTreeWalker(card, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => {
      const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
      // a chart's insides and anything not shown are left alone (the chart's box is checked)
      if (el.closest('svg, .js-plotly-plot .plot-container') && el.tagName !== 'svg') {
        return NodeFilter.FILTER_REJECT;
      }
      if (!visible(el)) return NodeFilter.FILTER_REJECT;
      if (node.nodeType === Node.TEXT_NODE && !node.textContent.trim()) {
        return NodeFilter.FILTER_SKIP;
      }
      return NodeFilter.FILTER_ACCEPT;
    }});
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.TEXT_NODE) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) {
        const text = node.textContent.trim().slice(0, 40);
        check(card, box, rect, node.parentElement,
              'text "' + text + '" in ' + describe(node.parentElement));
      }
    } else {
      check(card, box, node.getBoundingClientRect(), node.parentElement, describe(node));
    }
  }
}
return out;
"""

IDLE = ("return document.querySelector('[data-dash-is-loading=\"true\"]') === null"
        " && document.querySelectorAll('._dash-loading').length === 0"
        " && document.readyState === 'complete'")


@pytest.fixture
def app(settings, publish, demo_rows, world):
    publish("demo-run", demo_rows, world)
    return create_app(settings)


def test_nothing_overflows_its_card_on_any_page(dash_duo, app):
    start(dash_duo, app)
    assert dash_duo.driver.get_window_size()["width"] == 1366
    found, cards = {}, {}
    for path, ready in PAGES:
        dash_duo.wait_for_page(url=dash_duo.server_url + path)
        dash_duo.wait_for_element(ready)
        WebDriverWait(dash_duo.driver, 15).until(
            lambda driver: driver.execute_script(IDLE), f"{path} finished loading")
        cards[path] = dash_duo.driver.execute_script(
            "return document.querySelectorAll('.card').length")
        spilled = dash_duo.driver.execute_script(OVERFLOWS)
        if spilled:
            found[path] = spilled
    assert all(cards.values()), f"pages without a card to check: {cards}"
    assert not found, "elements outside their card at 1366×768:\n" + "\n".join(
        f"{path}: {line}" for path, lines in found.items() for line in lines)


def test_the_check_sees_a_badge_pushed_out_of_its_card(dash_duo, app):
    """The check itself: a badge moved past its tile's edge is reported; a table in a box that
    really scrolls is not, and is once the box no longer scrolls but clips."""
    start(dash_duo, app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/")
    dash_duo.wait_for_element("#overview-tile-experience_index .kpi-status")
    WebDriverWait(dash_duo.driver, 15).until(lambda driver: driver.execute_script(IDLE))
    dash_duo.driver.execute_script(
        "const b = document.querySelector('#overview-tile-experience_index .kpi-status');"
        "b.style.position = 'relative'; b.style.left = '200px';"
        "const card = document.querySelector('#overview-tile-time_to_restore .card-body');"
        "const wrap = document.createElement('div'); wrap.id = 'probe-wrap';"
        "wrap.style.cssText = 'height: 20px; overflow: auto';"
        "wrap.innerHTML = '<div id=\"probe-tall\" style=\"height: 400px\">tall</div>';"
        "card.appendChild(wrap);")
    spilled = dash_duo.driver.execute_script(OVERFLOWS)
    assert any("Experience index" in line and "kpi-status" in line and "right" in line
               for line in spilled), spilled
    assert not any("probe" in line for line in spilled), spilled
    dash_duo.driver.execute_script(
        "document.getElementById('probe-wrap').style.overflow = 'visible';")
    assert any("div#probe-tall" in line and "below" in line
               for line in dash_duo.driver.execute_script(OVERFLOWS))
