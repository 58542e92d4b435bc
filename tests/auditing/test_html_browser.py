"""The HTML report in a real headless browser (Debian's chromium): no console errors, plots and tables render."""

import html as html_module
import json
import os
import re
import shutil
import subprocess

import pandas as pd
import pytest

import datafix as dfx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WINE = os.path.join(ROOT, "examples", "data", "wine.csv")
BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(name)), None)

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="chromium is not installed (apt-get install chromium; .ci/run installs it)"
)

#: Injected before anything else: records errors of every kind, then reports what rendered.
PROBE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || (e.target && (e.target.src || e.target.href)))), true);
for (const level of ["error", "warn"]) { const original = console[level];
  console[level] = (...args) => { window.__errors.push(level + ": " + args.join(" ")); original.apply(console, args); }; }
window.addEventListener("load", () => {
  const images = [...document.images].map(i => ({id: i.id, width: i.naturalWidth, height: i.naturalHeight}));
  const tables = [...document.querySelectorAll("table")].map(t => ({id: t.id, rows: t.rows.length}));
  document.body.setAttribute("data-probe", JSON.stringify({errors: window.__errors, images, tables}));
});
</script>"""


def chromium(*arguments, user_data_dir):
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={user_data_dir}", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=5000", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    report = dfx.audit(pd.read_csv(WINE), "cultivar", random_state=0)
    path = folder / "report.html"
    report.to_html(path)
    return report, folder, path


def test_report_renders_without_console_messages(rendered):
    _, folder, path = rendered
    finished = chromium("--dump-dom", path.as_uri(), user_data_dir=folder / "profile-plain")
    assert finished.returncode == 0, finished.stderr[-2000:]
    console = [line for line in finished.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert 'id="summary"' in finished.stdout


def test_plots_decode_and_tables_are_present(rendered):
    report, folder, path = rendered
    probed = folder / "probed.html"
    probed.write_text(path.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    finished = chromium("--dump-dom", probed.as_uri(), user_data_dir=folder / "profile-probe")
    match = re.search(r'data-probe="([^"]*)"', finished.stdout)
    assert match, finished.stderr[-2000:]
    probe = json.loads(html_module.unescape(match.group(1)))
    assert probe["errors"] == []
    images = {image["id"]: image for image in probe["images"]}
    assert set(images) == {"plot-class-distribution", "plot-label-matrix", "plot-score-histograms"}
    assert all(image["width"] > 100 and image["height"] > 100 for image in images.values())
    tables = {table["id"]: table["rows"] for table in probe["tables"] if table["id"]}
    assert tables["summary"] == len(report.summary) + 1
    for name in ("duplicates", "conflicting_labels", "missing", "label"):
        assert tables[f"rows-{name}"] > 1


def test_screenshot_is_drawn(rendered):
    _, folder, path = rendered
    shot = folder / "report.png"
    finished = chromium(f"--screenshot={shot}", "--window-size=1280,2000", path.as_uri(),
                        user_data_dir=folder / "profile-shot")
    assert finished.returncode == 0 and shot.exists()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
