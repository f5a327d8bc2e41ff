"""The HTML viewer in a real headless browser (Debian's chromium driven by playwright):
scopes expand and collapse on click, search reveals hidden nodes, the side panel shows a
node, colors switch, and a training graph with gradients and Adam stays usable."""

import os
import shutil

import pytest

from helpers import load_example
from tests.viewer.graphs import training_graph

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("GRAPHFLOW_CHROMIUM") or shutil.which("chromium") or \
    shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def open_page(browser, graph, tmp_path, **kwargs):
    path = tmp_path / "graph.html"
    graph.view(**kwargs).save(str(path))
    page = browser.new_page(viewport={"width": 1300, "height": 850})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(path.as_uri())
    page.wait_for_selector("g.node, g.scope")
    return page, errors


def count(page, selector):
    return page.locator(selector).count()


def test_hw2_page_draws_every_node(browser, tmp_path):
    graph, _, _ = load_example("hw2_graph").build_graph()
    page, errors = open_page(browser, graph, tmp_path)
    assert count(page, "g.node") == 18
    assert count(page, "g.scope.expanded") == 6
    assert count(page, "path.edge") == 22
    title = page.locator('g.scope[data-path="Middle_section"] > g.scope-header text')
    assert title.text_content().endswith("Middle_section")
    assert errors == []


def test_clicking_scopes_expands_and_collapses(browser, tmp_path):
    page, errors = open_page(browser, training_graph(), tmp_path)
    gradients = 'g.scope[data-path="gradients"]'
    assert page.locator(gradients).get_attribute("class") == "scope collapsed"
    inside = 'g.scope[data-path^="gradients/"]'
    assert count(page, inside) == 0
    page.click(gradients)
    assert page.locator(gradients).get_attribute("class") == "scope expanded"
    assert count(page, inside) == 6  # grad_ys_0, loss_grad, Square_grad, layer0..2
    assert "gradients" in page.evaluate("GF_VIEWER.expanded()")
    assert "gradients/" in page.inner_text("#panel")
    page.click(gradients + " > g.scope-header")
    assert page.locator(gradients).get_attribute("class") == "scope collapsed"
    assert count(page, inside) == 0
    assert errors == []


def test_search_reveals_and_panel_describes(browser, tmp_path):
    page, errors = open_page(browser, training_graph(), tmp_path)
    target = "Adam/update_layer1/W/ApplyAdam"
    assert count(page, f'g.node[data-name="{target}"]') == 0
    page.fill("#search", "update_layer1/W/ApplyAdam")
    assert page.locator("#results a").first.inner_text() == target
    page.press("#search", "Enter")
    node = page.locator(f'g.node[data-name="{target}"]')
    assert node.count() == 1 and "selected" in node.get_attribute("class")
    panel = page.inner_text("#panel")
    assert "type: ApplyAdam" in panel and "kind: training" in panel
    assert "layer1/W" in panel  # an input link
    page.click('g.node[data-name="loss"]')
    assert "type: Mean" in page.inner_text("#panel")
    assert errors == []


def test_color_modes_and_expand_all(browser, tmp_path):
    graph = training_graph(layers=6)
    page, errors = open_page(browser, graph, tmp_path)
    shape = 'g.node[data-name="loss"] rect.shape'
    kind_fill = page.locator(shape).get_attribute("fill")
    page.select_option("#color", "device")
    assert page.locator(shape).get_attribute("fill") != kind_fill
    page.click("#expand-all")
    assert count(page, "g.node") == len(graph.get_operations())
    page.click("#collapse-all")
    assert count(page, "g.scope.expanded") == 0 and count(page, "g.scope.collapsed") > 0
    top_level = {op.name.split("/")[0] for op in graph.get_operations()}
    assert count(page, "g.node") + count(page, "g.scope.collapsed") == len(top_level)
    assert errors == []
