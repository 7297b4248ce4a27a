"""The status page at /: exact answers over HTTP (auth, escaping, the
form's redirect, cross-site refusal), then a real browser: headless
Chromium driven by Selenium (Debian: chromium, chromium-driver,
python3-selenium) renders it, finds the modem, and sends a message through
the form that reaches the simulator.

SMSGATE_PAGE_SCREENSHOT=PATH saves the browser's view (docs/status-page.png)."""

import base64
import os
import re
import shutil
import unittest
import urllib.parse

from simlib import TIMEOUT, wait_for
from test_http import HttpTest, NUMBER, TOKEN

EVIL = "<script>alert(1)</script>"
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    webdriver = None


def basic(token):
    return "Basic " + base64.b64encode(("oncall:" + token).encode()).decode()


class TestPage(HttpTest):
    def submits(self):
        return [e for e in self.sim.events("submit") if e.get("result") == "ok"]

    def test_answers(self):
        self.start("--operator", EVIL, tokens=(TOKEN,))
        # Without the token: a Basic challenge (the browser asks for it).
        a = self.get("/", auth=False)
        self.assertEqual((a.status, a.ctype, a.headers.get("WWW-Authenticate")),
                         (401, "text/plain; charset=utf-8", 'Basic realm="smsgate", charset="UTF-8"'))
        # The API keeps its Bearer challenge.
        self.assertEqual(self.get("/api/v1/status", auth=False).headers.get("WWW-Authenticate"),
                         'Bearer realm="smsgate"')

        a = self.post_json({"to": NUMBER, "text": "<b>&amp;</b> " + EVIL})
        self.assertEqual(a.status, 202)
        msg_id = a.json()["id"]
        wait_for(lambda: len(self.submits()) == 1, TIMEOUT, "the submit")
        a = self.get("/", auth=False, headers={"Authorization": basic(TOKEN)})
        self.assertEqual((a.status, a.ctype), (200, "text/html; charset=utf-8"))
        self.assertEqual(a.headers.get("Cache-Control"), "no-store")
        page = a.body.decode()
        self.assertNotIn("<script", page)
        self.assertIn("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>", page)
        self.assertIn('<tr id="m-%s">' % msg_id, page)
        self.assertIn("<td>&lt;b&gt;&amp;amp;&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;</td>", page)
        self.assertRegex(page, r'<tr><td>a</td><td class="ok">(ready|sending)</td><td>-71 dBm \(CSQ 21\)</td>')

        # The form: 303 back to the page, which names the message.
        a = self.post_form("/api/v1/messages", {"to": NUMBER, "text": "from the form", "return_to": "/"})
        self.assertEqual((a.status, a.ctype), (303, "text/plain; charset=utf-8"))
        m = re.fullmatch(r"/\?queued=([0-9a-f]{20})", a.headers.get("Location", ""))
        self.assertTrue(m, a.headers)
        self.assertEqual(a.body.decode(), "queued %s\n" % m.group(1))
        page = self.get("/?queued=" + m.group(1)).body.decode()
        self.assertIn('<p class="note" id="note">Message %s queued.</p>' % m.group(1), page)
        self.assertNotIn('id="note"', self.get("/?queued=" + urllib.parse.quote(EVIL)).body.decode())
        a = self.post_form("/api/v1/messages", {"to": "+49 170", "text": "x", "return_to": "/"})
        self.assertEqual((a.status, a.ctype), (400, "text/plain; charset=utf-8"))
        self.assertTrue(a.body.startswith(b"Not sent: "), a.body)
        a = self.post_form("/api/v1/messages", {"to": NUMBER, "text": "x", "return_to": "http://evil.example/"})
        self.assertEqual((a.status, a.ctype, a.json()), (400, "application/json", {"error": "return_to may only be /"}))

        # Another site's page posting with the browser's credentials.
        a = self.post_form("/api/v1/messages", {"to": NUMBER, "text": "csrf"},
                           headers={"Origin": "http://evil.example"})
        self.assertEqual((a.status, a.ctype, a.json()),
                         (403, "application/json", {"error": "cross-site request refused (Origin is not this host)"}))
        a = self.post_form("/api/v1/messages", {"to": NUMBER, "text": "same site"},
                           headers={"Origin": "http://127.0.0.1:%d" % self.port})
        self.assertEqual(a.status, 202)
        wait_for(lambda: len(self.submits()) == 3, TIMEOUT, "3 submits")
        self.assertEqual([s["text"] for s in self.submits()][1:], ["from the form", "same site"])
        self.stop_daemon()

    @unittest.skipUnless(webdriver and CHROMIUM and os.path.exists(CHROMEDRIVER),
                         "needs chromium, chromium-driver and python3-selenium")
    def test_chromium(self):
        self.start("--operator", EVIL, tokens=(TOKEN,))
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1000,900", "--no-first-run", "--user-data-dir=" + os.path.join(self.dir, "chr")):
            opts.add_argument(arg)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.addCleanup(driver.quit)
        driver.set_page_load_timeout(TIMEOUT)
        # The browser's Basic credentials, as a person would type them at the prompt.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": basic(TOKEN)}})
        base = "http://127.0.0.1:%d" % self.port

        driver.get(base + "/")
        self.assertEqual(driver.title, "smsgate")
        rows = driver.find_elements(By.CSS_SELECTOR, "#modems tr")
        cells = [c.text for c in rows[1].find_elements(By.TAG_NAME, "td")]
        self.assertEqual(cells[0], "a")
        self.assertIn(cells[1], ("ready", "sending"))
        self.assertEqual(cells[2], "-71 dBm (CSQ 21)")
        self.assertEqual(cells[3], EVIL)  # shown as text, not run
        self.assertEqual(driver.find_elements(By.TAG_NAME, "script"), [])

        driver.find_element(By.ID, "to").send_keys(NUMBER)
        driver.find_element(By.ID, "text").send_keys("Hello from the status page")
        driver.find_element(By.ID, "send").click()
        wait_for(lambda: "?queued=" in driver.current_url, TIMEOUT, "the redirect: %s" % driver.current_url)
        msg_id = driver.current_url.rsplit("=", 1)[1]
        self.assertEqual(driver.find_element(By.ID, "note").text, "Message %s queued." % msg_id)
        wait_for(lambda: [s["text"] for s in self.submits()] == ["Hello from the status page"], TIMEOUT,
                 "the form's message at the simulator")
        self.assertEqual(self.submits()[0]["to"], NUMBER)

        def sent_row():
            driver.get(base + "/")
            cells = [c.text for c in driver.find_element(By.ID, "m-" + msg_id).find_elements(By.TAG_NAME, "td")]
            return cells if cells[2] == "sent" else None
        cells = wait_for(sent_row, TIMEOUT, "the message shown as sent")
        self.assertEqual(cells[1:5], [NUMBER, "sent", "a", "Hello from the status page"])
        shot = os.environ.get("SMSGATE_PAGE_SCREENSHOT")
        if shot:
            driver.set_window_size(900, 640)
            driver.save_screenshot(shot)
        self.stop_daemon()


if __name__ == "__main__":
    unittest.main()
