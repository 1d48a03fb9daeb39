"""`procore explore` in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium opens the page of a `procore explore --simulator` process,
searches "rfi", sends the create-RFI form with a required field missing and sees the field
error, fills it and sees the 201. A screenshot of the final page is kept as a test artifact
(``$PROCORE_ARTIFACTS`` or ``target/test-artifacts``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
CREATE_RFI = "RestV10ProjectsProjectIdRfisPost"
PROJECT = "100001"


def _procore_bin() -> str:
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return os.environ.get("PROCORE_CLI_BIN", str(target / "debug" / "procore"))


@pytest.fixture()
def explore_url() -> Iterator[str]:
    proc = subprocess.Popen([_procore_bin(), "explore", "--simulator"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    prefix = "procore explore listening on "
    assert line.startswith(prefix), line
    yield line[len(prefix):]
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def browser() -> Iterator[webdriver.Chrome]:
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        opts.add_argument(a)
    if shutil.which("chromium"):
        opts.binary_location = shutil.which("chromium")
    d = webdriver.Chrome(service=Service(driver_path), options=opts)
    yield d
    d.quit()


def _field(b: webdriver.Chrome, name: str):  # noqa: ANN202 (selenium's WebElement)
    return b.find_element(By.CSS_SELECTOR, f'#form [name="{name}"]')


def test_search_fill_fail_then_create_an_rfi(explore_url: str, browser: webdriver.Chrome) -> None:
    wait = WebDriverWait(browser, 20)
    browser.get(explore_url)
    wait.until(lambda b: "operations" in b.find_element(By.ID, "count").text)
    total = int(browser.find_element(By.ID, "count").text.split(" of ")[1].split()[0])
    assert total > 2000

    search = browser.find_element(By.ID, "search")
    search.send_keys("rfi")
    wait.until(lambda b: int(b.find_element(By.ID, "count").text.split()[0]) < total)
    item = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, f'.op[data-id="{CREATE_RFI}"]')))
    item.click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "op-id"), CREATE_RFI))
    assert browser.find_element(By.ID, "op-method").text == "POST"
    required = [l.get_attribute("data-field") for l in browser.find_elements(By.CSS_SELECTOR, "#body-fields label.required")]
    assert "rfi.subject" in required, required

    # Everything required but the subject: the catalog check refuses it, nothing is sent.
    _field(browser, "project_id").send_keys(PROJECT)
    values = {"rfi.question.body": "Which beam size at grid C4?", "rfi.rfi_manager_id": "5000000001"}
    for name in required:
        if name != "rfi.subject":
            f = _field(browser, name)
            f.send_keys(values.get(name, "1" if f.get_attribute("data-type") in ("integer", "number") else "x"))
    browser.find_element(By.ID, "send").click()
    err = wait.until(EC.visibility_of_element_located((By.ID, "field-errors")))
    assert "body.rfi.subject" in err.text, err.text
    assert "invalid_call" in browser.find_element(By.ID, "res-error").text
    label = browser.find_element(By.CSS_SELECTOR, 'label[data-field="rfi.subject"]')
    assert "invalid" in label.get_attribute("class")

    _field(browser, "rfi.subject").send_keys("Beam size at grid C4")
    browser.find_element(By.ID, "send").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "res-status"), "HTTP 201"))
    body = browser.find_element(By.ID, "res-body").text
    assert '"subject": "Beam size at grid C4"' in body, body
    assert "request id" in browser.find_element(By.ID, "res-meta").text
    # The log and the copy-as snippet follow the call; the page never shows a token.
    wait.until(EC.text_to_be_present_in_element((By.ID, "log"), "201"))
    browser.find_element(By.CSS_SELECTOR, '.tabs [data-lang="python"]').click()
    assert CREATE_RFI in browser.find_element(By.ID, "snippet").text
    assert "sim-dev-token" not in browser.page_source

    out = Path(os.environ.get("PROCORE_ARTIFACTS", REPO / "target" / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    shot = out / "explore-create-rfi.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
