#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! End to end in a real headless Chromium (Debian's `chromium`; `CHROME` names another):
//! every role signs in and out; a community caseworker submits a one-thing application from a
//! phone-sized screen; the case goes through every step to its notice, each by its own role.
//! Screenshots of each page land in `target/e2e/`. Then every kind of page, as the role that
//! uses it, at 390 and 1366 px, through axe-core (npm, pinned by `tests/axe/package-lock.json`):
//! no serious or critical violation.
//!
//! Chromium missing is a failure, not a skip: `.ci/run` installs it (and npm, which installs
//! axe-core the first time).

mod common;

use std::time::Duration;

use common::*;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use minsheng_app::Clock;
use minsheng_core::Month;

fn chromium() -> std::path::PathBuf {
    let path = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&path).exists(),
        "Chromium is needed at {path} (apt-get install chromium, or set CHROME)"
    );
    path.into()
}

struct Session<'a> {
    tab: &'a Tab,
    base: String,
    shots: std::path::PathBuf,
}

impl Session<'_> {
    /// Opens a page and waits for it to have loaded. Not the driver's own wait, which holds on
    /// until the network has been quiet for half a second: a second a page, most of this test.
    fn open(&self, path: &str) {
        self.tab.evaluate("window.__before = true", false).unwrap();
        self.tab
            .navigate_to(&format!("{}{path}", self.base))
            .unwrap();
        self.wait_for_new_page(path);
    }

    /// Sets a field's value as typing would (values in Chinese included).
    fn fill(&self, selector: &str, value: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); e.value = {}; return e.value; }})()",
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(value).unwrap()
        );
        self.tab.evaluate(&js, false).unwrap();
    }

    /// Clicks an element with the mouse, as a person would: at its middle, once it is there and
    /// scrolled into view. Found, scrolled and measured in one script: every call to the
    /// driver waits out its connection's 100 ms read timeout (rust-headless-chrome issue 446),
    /// and its own click takes eight of them.
    fn click(&self, selector: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return null; \
             e.scrollIntoView({{ block: 'center', inline: 'center', behavior: 'instant' }}); \
             const r = e.getBoundingClientRect(); \
             return JSON.stringify([r.x + r.width / 2, r.y + r.height / 2]); }})()",
            serde_json::to_string(selector).unwrap()
        );
        let started = std::time::Instant::now();
        let [x, y]: [f64; 2] = loop {
            let found = self.tab.evaluate(&js, false).ok().and_then(|r| r.value);
            if let Some(middle) = found.as_ref().and_then(|v| v.as_str()) {
                break serde_json::from_str(middle).unwrap();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no {selector} on the page"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        self.tab
            .click_point(headless_chrome::browser::tab::point::Point { x, y })
            .unwrap();
    }

    /// Clicks and waits for the next page to have loaded (a new document, not just a new URL:
    /// a step redirects back to its own case page).
    fn submit(&self, selector: &str) {
        self.tab.evaluate("window.__before = true", false).unwrap();
        self.click(selector);
        self.wait_for_new_page(selector);
    }

    /// Sends a form as its button would, without a click at coordinates: on a page whose
    /// layout is still settling (a map being drawn) a click can land on whatever moved under
    /// it. For leaving a page, which is not what a test is about.
    fn send(&self, form: &str) {
        self.tab.evaluate("window.__before = true", false).unwrap();
        let js = format!(
            "document.querySelector({}).requestSubmit()",
            serde_json::to_string(form).unwrap()
        );
        self.tab.evaluate(&js, false).unwrap();
        self.wait_for_new_page(form);
    }

    fn wait_for_new_page(&self, selector: &str) {
        let started = std::time::Instant::now();
        loop {
            let fresh = self
                .tab
                .evaluate(
                    "window.__before === undefined && document.readyState === 'complete'",
                    false,
                )
                .ok()
                .and_then(|r| r.value)
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if fresh {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no new page after {selector}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn text(&self) -> String {
        self.string("document.body.innerText")
    }

    /// What a script that yields a string yields on the page.
    fn string(&self, script: &str) -> String {
        self.tab
            .evaluate(script, false)
            .unwrap()
            .value
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The page's text as a person reads it, without what is marked as machine text (`code`,
    /// `kbd`, `samp`: a parameter's path, a file's column names, a command).
    fn prose(&self) -> String {
        self.string(
            "(() => { const m = [...document.querySelectorAll('code, kbd, samp')]; \
             m.forEach(e => e.style.setProperty('display', 'none')); \
             const t = document.body.innerText; \
             m.forEach(e => e.style.removeProperty('display')); return t; })()",
        )
    }

    /// Whether the page fits the window's width: nothing to scroll sideways but what scrolls
    /// in its own box (a wide table).
    fn fits(&self) -> bool {
        self.tab
            .evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth",
                false,
            )
            .unwrap()
            .value
            .unwrap()
            .as_bool()
            .unwrap()
    }

    /// axe-core's serious and critical violations on the page as it stands, each as its rule,
    /// its help text and the first elements it names.
    fn accessibility(&self, axe: &str) -> Vec<String> {
        self.tab.evaluate(axe, false).unwrap();
        let found = self
            .tab
            .evaluate(
                "axe.run(document, { resultTypes: ['violations'] }).then(r => JSON.stringify(\
                 r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => v.id + ' (' + v.help + '): ' + v.nodes.slice(0, 3)\
                 .map(n => n.target.join(' ')).join(', '))))",
                true,
            )
            .unwrap()
            .value
            .unwrap();
        serde_json::from_str(found.as_str().unwrap()).unwrap()
    }

    fn url(&self) -> String {
        self.tab.get_url()
    }

    fn shot(&self, name: &str) {
        let png = self
            .tab
            .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    fn sign_in(&self, login: &str) {
        self.open("/login");
        self.fill("input[name=login]", login);
        self.fill("input[name=password]", PASSWORD);
        self.submit("form[action='/login'] button[type=submit]");
        let text = self.text();
        assert!(text.contains("退出"), "{login} could not sign in: {text}");
    }

    fn sign_out(&self) {
        self.send("form[action='/logout']");
        assert!(self.url().ends_with("/login"), "{}", self.url());
    }

    /// Takes a step on the case page: fills the step's form and sends it.
    fn step(&self, case: i64, action: &str, fields: &[(&str, &str)], verdict: Option<&str>) {
        self.open(&format!("/cases/{case}"));
        let form = format!("form.step:has(input[name=action][value={action}])");
        for (name, value) in fields {
            self.fill(&format!("{form} [name={name}]"), value);
        }
        if let Some(v) = verdict {
            self.click(&format!("{form} input[name=verdict][value={v}]"));
        }
        self.submit(&format!("{form} button[type=submit]"));
        let text = self.text();
        assert!(
            self.url().ends_with(&format!("/cases/{case}")) && !text.contains("输入有误"),
            "{action} on case {case}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_sign_in_and_a_case_goes_through_every_step_in_chromium() {
    let chrome = chromium();
    let (store, _dir) = sqlite().await;
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let street = city.inside.area.as_str()[..9].to_string();
    staff_with_token(
        &city.store,
        "助餐点",
        minsheng_core::access::Role::Provider,
        &street,
    )
    .await;
    let clock = Clock::system();
    // A canteen in the inside household's community, its staff, and an older resident of the
    // street it delivers to.
    let (canteen_staff, elder) = canteen(&city).await;
    // The visiting roster began 40 days ago: an elder of the street never reached since.
    let visited = visiting(&city).await;
    // The 15-minute circle of the city, computed.
    circle(&city).await;
    city.store
        .add_staff(
            &minsheng_core::access::Staff {
                name: "市级己".into(),
                role: minsheng_core::access::Role::City,
                area: minsheng_core::AreaCode::parse("370200").unwrap(),
            },
            "tester",
            clock.now,
        )
        .await
        .unwrap();
    minsheng_app::accounts::add_account(
        &city.store,
        "市级己",
        PASSWORD,
        &minsheng_store::AccountHolder::Staff("市级己".into()),
        "tester",
        clock,
    )
    .await
    .unwrap();
    // The test's days: the case is posted today and decided nine days on; the month after
    // the decision is the first one paid, on its 5th.
    let walk = Walk::start();
    let decided_on = walk.clock().today + chrono::Duration::days(9);
    let tomorrow = (walk.clock().today + chrono::Duration::days(1)).to_string();
    let paid = Month::containing(decided_on).next();
    // The households the rules find entitled are paid in that month.
    minsheng_payments::enrol_caseload(
        &city.store,
        &policy(),
        paid,
        "test caseload",
        "tester",
        clock,
        &minsheng_app::Quiet,
    )
    .await
    .unwrap();
    let web = walk
        .web(city.store.clone(), bank_dir())
        .with_medical(minsheng_test_support::medical_policy());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, minsheng_web::router(web)).await });
    let household = city.inside.code.clone();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    std::fs::create_dir_all(&shots).unwrap();

    tokio::task::spawn_blocking(move || {
        let browser = Browser::new(
            LaunchOptions::default_builder()
                .path(Some(chrome))
                .sandbox(false)
                // A phone: community workers use them in the field.
                .window_size(Some((390, 844)))
                .idle_browser_timeout(Duration::from_secs(120))
                // Chromium keeps the machine's clock: a preloaded faketime (CI runs the tests a
                // second time with the clock moved ahead) stops it opening a tab. The service
                // under test keeps the moved clock; pages carry no times the browser checks.
                .process_envs(Some(std::collections::HashMap::from([(
                    "LD_PRELOAD".to_string(),
                    String::new(),
                )])))
                .build()
                .unwrap(),
        )
        .unwrap();
        let tab = browser.new_tab().unwrap();
        tab.set_default_timeout(Duration::from_secs(20));
        let s = Session {
            tab: &tab,
            base,
            shots,
        };

        // Every role signs in, sees its own start page, and signs out.
        for (login, _) in &logins {
            s.sign_in(login);
            let text = s.text();
            if login.chars().all(|c| c.is_ascii_alphanumeric()) {
                assert!(
                    text.contains("户 "),
                    "a resident starts on their household: {text}"
                );
            } else {
                assert!(text.contains("待办案件"), "{login}: {text}");
            }
            s.sign_out();
        }

        // A service provider starts on its roster; the interface switches to English and back,
        // and the choice outlives signing out.
        s.sign_in("助餐点");
        assert!(s.url().ends_with("/roster"), "{}", s.url());
        assert!(s.text().contains("服务对象"), "{}", s.text());
        s.submit("a.language");
        let english = s.text();
        assert!(
            english.contains("Service roster") && english.contains("Sign out"),
            "{english}"
        );
        assert!(
            s.url().ends_with("/roster"),
            "back where it was: {}",
            s.url()
        );
        s.shot("roster-english-phone");
        s.sign_out();
        s.submit("a.language");

        // A canteen's counter, on a tablet: its staff start at the day's orders, read an
        // elder's ID number, see the elder's price, confirm, and find the order listed.
        s.tab
            .set_bounds(headless_chrome::types::Bounds::Normal {
                left: None,
                top: None,
                width: Some(1024.0),
                height: Some(768.0),
            })
            .unwrap();
        s.sign_in(canteen_staff);
        assert!(s.url().ends_with("/meals"), "{}", s.url());
        s.fill("input[name=id_number]", &elder);
        s.fill("input[name=day]", &tomorrow);
        s.fill("select[name=slot]", "lunch");
        s.fill("select[name=service]", "dine_in");
        s.submit("form[action='/meals/quote'] button");
        let quote = s.text();
        assert!(quote.contains("本人支付") && quote.contains("6.00"), "{quote}");
        assert!(s.fits(), "the quote fits a tablet's width");
        s.shot("meal-quote-tablet");
        s.submit("form[action='/meals/orders'] button");
        let listed = s.text();
        assert!(listed.contains("已下单") && listed.contains("已预订"), "{listed}");
        s.shot("meal-orders-tablet");
        s.sign_out();

        // Visiting care, as the street sees it: the elder never reached is escalated; a visit
        // that finds they need meal aid raises the case and makes them current.
        s.sign_in("街道乙");
        s.open("/visits");
        let list = s.text();
        assert!(list.contains("逾期已上报街道"), "{list}");
        s.open(&format!("/visits/{visited}"));
        s.fill("textarea[name=found]", "独自在家，腿脚不便，难以做饭");
        s.click("input[name=need_meal_aid]");
        s.submit("#visit-form button");
        let after = s.text();
        assert!(after.contains("需要助餐") && after.contains("未到期"), "{after}");
        s.shot("visit-recorded-tablet");
        s.sign_out();
        s.tab
            .set_bounds(headless_chrome::types::Bounds::Normal {
                left: None,
                top: None,
                width: Some(390.0),
                height: Some(844.0),
            })
            .unwrap();
        s.submit("a.language");
        assert!(s.text().contains("Password"), "{}", s.text());
        s.submit("a.language");
        assert!(s.text().contains("密码"), "{}", s.text());

        // The public pages, signed out, on a phone: the basic elderly service list and the
        // supervision of care institutions.
        s.open("/services");
        let text = s.text();
        assert!(
            text.contains("崂山区基本养老服务清单") && text.contains("特困老年人集中供养"),
            "{text}"
        );
        s.shot("services-phone");
        // The keyboard's first stop is a link past the header, shown once it has the focus.
        s.tab.press_key("Tab").unwrap();
        let skip = s
            .tab
            .evaluate(
                "(() => { const e = document.activeElement; \
                 return e.className + ' ' + (e.getBoundingClientRect().left >= 0); })()",
                false,
            )
            .unwrap()
            .value
            .unwrap();
        assert_eq!(skip.as_str(), Some("skip true"), "{skip:?}");
        s.open("/supervision");
        assert!(
            s.text().contains("随机抽查") && s.text().contains("护理型床位占比"),
            "{}",
            s.text()
        );
        s.shot("supervision-phone");

        // The community caseworker, on a phone: the household, then the one-thing form.
        s.sign_in("社区甲");
        s.open(&format!("/households/{household}"));
        s.shot("household-phone");
        assert!(s.fits(), "the household page is wider than a phone");
        // The elder-friendly view: large type, and the registry's history left out.
        s.submit("a[href='/elder?on=1']");
        let elder: bool = s
            .tab
            .evaluate(
                "document.body.classList.contains('elder') && getComputedStyle(document.querySelector('.secondary')).display === 'none'",
                false,
            )
            .unwrap()
            .value
            .unwrap()
            .as_bool()
            .unwrap();
        assert!(elder, "the 长辈版 did not apply: {}", s.text());
        assert!(s.fits(), "the 长辈版 is wider than a phone");
        s.shot("household-elder-phone");
        s.submit("a[href='/elder?on=0']");
        // What the basic elderly service list grants the head, to read or print.
        s.open(&format!(
            "/eldercare/entitlements?household={household}&member=0"
        ));
        assert!(s.text().contains("基本养老服务享受清单"), "{}", s.text());
        assert!(s.fits(), "the entitlements are wider than a phone");
        s.shot("entitlements-phone");
        s.open(&format!("/households/{household}"));
        s.submit("a[href$='/apply']");
        assert!(s.text().contains("表单已按一人一档预填"));
        s.click("input[name=program][value=tekun_basic]");
        s.fill("input[name=proxy]", "张某（女儿）");
        // A fact the registry lacks, in its labelled field under the member's name.
        s.click("details.member summary");
        s.fill("details.member input[name$=':expense_medical']", "1200");
        s.shot("apply-phone");
        s.submit("form[action$='/apply'] button[type=submit]");
        let text = s.text();
        assert!(text.contains("已受理"), "{text}");
        let case: i64 = s
            .tab
            .evaluate(
                "document.querySelector('a[href^=\"/cases/\"]').textContent",
                false,
            )
            .unwrap()
            .value
            .unwrap()
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        s.step(
            case,
            "survey",
            &[
                ("surveyors", "社区甲,刘网格员"),
                ("text", "入户核实，情况属实"),
            ],
            None,
        );
        assert!(s.text().contains("已调查"), "{}", s.text());
        s.sign_out();

        s.sign_in("街道乙");
        // Home care beds and refits: the street's list, and the form a caseworker files with.
        s.open("/eldercare/applications");
        let text = s.text();
        assert!(
            text.contains("家庭养老床位和适老化改造") && text.contains("受理申请"),
            "{text}"
        );
        s.shot("applications-phone");
        s.open("/");
        assert!(s.text().contains(&case.to_string()));
        s.step(case, "review", &[("text", "初审通过")], Some("pass"));
        assert!(s.text().contains("公示"), "{}", s.text());
        s.step(
            case,
            "object",
            &[("by", "邻居"), ("text", "家中有车")],
            None,
        );
        s.sign_out();

        // Nine days later the posting is over; the objection is resolved, then decided.
        walk.advance_to(decided_on);
        s.sign_in("街道乙");
        s.step(
            case,
            "resolve",
            &[("text", "车辆已过户")],
            Some("dismissed"),
        );
        s.sign_out();
        s.sign_in("区级丙");
        s.open(&format!("/cases/{case}"));
        assert!(
            s.text().contains("政策测算"),
            "the decision page explains the rules"
        );
        s.shot("decide-phone");
        s.step(
            case,
            "decide",
            &[("text", "符合特困供养条件")],
            Some("approve"),
        );
        s.step(case, "notify", &[("text", "已书面告知")], None);
        let text = s.text();
        assert!(
            text.contains("结果 批准") && text.contains("已办结"),
            "{text}"
        );
        // The history by names: steps, roles and stages, no codes.
        for name in ["入户调查", "审批决定", "书面告知", "区级审批", "公示中"] {
            assert!(text.contains(name), "{name} in {text}");
        }
        for code in ["granted", "surveyed", "decide", "community"] {
            assert!(!text.contains(code), "{code} in {text}");
        }
        s.shot("closed-phone");
        s.sign_out();

        // The applicant reads the decision among their messages, on a phone, and asks for SMS
        // as well: a wrong number is named, a right one kept.
        let resident = logins
            .iter()
            .map(|(login, _)| login)
            .find(|login| login.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap();
        s.sign_in(resident);
        s.submit("a[href='/notices']");
        let text = s.text();
        assert!(
            text.contains("特困人员基本生活费申请已批准") && text.contains("符合特困供养条件"),
            "{text}"
        );
        assert!(s.fits(), "the messages are wider than a phone");
        s.shot("notices-phone");
        s.fill("input[name=phone]", "1381234");
        s.click("input[name=use_sms]");
        s.submit("form[action='/notices/contact'] button");
        assert!(s.text().contains("未保存：手机号"), "{}", s.text());
        s.fill("input[name=phone]", "13812345678");
        s.submit("form[action='/notices/contact'] button");
        assert!(s.text().contains("通知方式已保存"), "{}", s.text());
        s.sign_out();

        // The month paid: the city computes it, a second administrator approves it, the
        // first sends it to the bank; then the dashboard.
        walk.advance_to(paid.first_day() + chrono::Duration::days(4));
        let payments = format!("/payments?month={paid}");
        s.sign_in("市级丁");
        s.open(&payments);
        s.submit("form[action='/payments/compute'] button");
        assert!(s.text().contains("待审批"), "{}", s.text());
        s.sign_out();
        s.sign_in("市级己");
        s.open(&payments);
        s.submit("form[action='/payments/approve'] button");
        assert!(s.text().contains("市级己"), "{}", s.text());
        s.sign_out();
        s.sign_in("市级丁");
        s.open(&payments);
        s.submit("form[action='/payments/disburse'] button");
        let text = s.text();
        assert!(
            text.contains("批次 1 CSV") && text.contains("待发送\n0"),
            "{text}"
        );
        s.shot("payments-phone");
        s.open(&format!(
            "/dashboard?from={}&to={paid}",
            Month::containing(decided_on)
        ));
        let svg: bool = s
            .tab
            .evaluate(
                "document.querySelectorAll('svg.chart rect').length > 0",
                false,
            )
            .unwrap()
            .value
            .unwrap()
            .as_bool()
            .unwrap();
        assert!(svg, "the dashboard draws its charts: {}", s.text());
        s.tab
            .set_bounds(headless_chrome::types::Bounds::Normal {
                left: None,
                top: None,
                width: Some(1280.0),
                height: Some(900.0),
            })
            .unwrap();
        s.shot("dashboard-desktop");
        // The circle's map, drawn without tiles: communities, service points and a suggested
        // station numbered as in the table with its gain.
        s.open("/circle");
        let drawn = s.string(
            "String(document.querySelectorAll('#circle-map circle.community').length) + '/' + \
             document.querySelectorAll('#circle-map rect.point').length + '/' + \
             document.querySelectorAll('#circle-map g.suggested').length + '/' + \
             Math.round(document.getElementById('circle-map').getBoundingClientRect().width)",
        );
        let counts: Vec<u64> = drawn.split('/').map(|n| n.parse().unwrap()).collect();
        assert!(counts.iter().all(|&n| n > 0), "{drawn}");
        let circle = s.text();
        assert!(
            circle.contains("建议新建村居养老服务站") && circle.contains("低于目标的社区"),
            "{circle}"
        );
        s.shot("circle-desktop");
        s.sign_out();

        // Every kind of page, as the role that uses it, at a phone's width and a desktop's:
        // axe-core finds no serious or critical violation.
        let tour: Vec<(Option<&str>, Vec<String>)> = vec![
            (
                None,
                vec!["/login".into(), "/services".into(), "/supervision".into()],
            ),
            (
                Some(resident.as_str()),
                vec![
                    "/".into(),
                    "/notices".into(),
                    format!("/cases/{case}"),
                    "/meals".into(),
                ],
            ),
            (
                Some("社区甲"),
                vec![
                    "/".into(),
                    format!("/search?q={household}"),
                    format!("/households/{household}"),
                    format!("/households/{household}/apply"),
                    format!("/cases/{case}"),
                    "/findings".into(),
                    "/eldercare/applications".into(),
                    format!("/eldercare/entitlements?household={household}&member=0"),
                ],
            ),
            (
                Some("市级丁"),
                vec![
                    payments.clone(),
                    "/what-if".into(),
                    format!("/dashboard?from={}&to={paid}", Month::containing(decided_on)),
                    format!("/households/{household}/explain?month={paid}"),
                ],
            ),
            (
                Some("街道乙"),
                vec!["/visits".into(), format!("/visits/{visited}")],
            ),
            (Some("助餐点"), vec!["/roster".into()]),
            (
                Some(canteen_staff),
                vec!["/meals".into(), "/meals/settlements".into()],
            ),
            (
                Some("市级丁"),
                vec![
                    "/meals/settlements".into(),
                    "/circle".into(),
                    "/medical/what-if".into(),
                ],
            ),
        ];
        let axe = axe_source();
        // The check can fail: a page with an unlabelled field and an image without text.
        s.tab
            .navigate_to("data:text/html,<html lang=zh><title>t</title><body><main><img src=x><input></main></body></html>")
            .unwrap()
            .wait_until_navigated()
            .unwrap();
        let found = s.accessibility(&axe);
        assert!(
            found.iter().any(|v| v.starts_with("image-alt"))
                && found.iter().any(|v| v.starts_with("label")),
            "axe-core did not find what it must: {found:?}"
        );
        let mut violations = Vec::new();
        // And, as the person reads it in Chinese, no English: no word of it outside the few a
        // Chinese office writes in Latin letters.
        let mut english = Vec::new();
        for width in [390.0, 1366.0] {
            s.tab
                .set_bounds(headless_chrome::types::Bounds::Normal {
                    left: None,
                    top: None,
                    width: Some(width),
                    height: Some(900.0),
                })
                .unwrap();
            for (login, pages) in &tour {
                if let Some(login) = login {
                    s.sign_in(login);
                }
                for page in pages {
                    s.open(page);
                    for v in s.accessibility(&axe) {
                        violations.push(format!("{width} px, {} {page}: {v}", login.unwrap_or("-")));
                    }
                    if width > 1000.0 {
                        // Each line with its words, to be found on the page.
                        for line in s.prose().lines() {
                            let words = english_words(line);
                            if !words.is_empty() {
                                let line: String = line.chars().take(120).collect();
                                english.push(format!(
                                    "{} {page}: {words:?} in «{line}»",
                                    login.unwrap_or("-")
                                ));
                            }
                        }
                    }
                }
                if login.is_some() {
                    s.sign_out();
                }
            }
        }
        assert!(
            violations.is_empty(),
            "axe-core found {} serious or critical violations:\n{}",
            violations.len(),
            violations.join("\n")
        );
        english.sort();
        english.dedup();
        assert!(
            english.is_empty(),
            "English on {} Chinese pages:\n{}",
            english.len(),
            english.join("\n")
        );
    })
    .await
    .unwrap();
}

/// A canteen in the inside household's community, delivering throughout its street, with a
/// sign-in for its staff; and an older resident (66 or more, alive) of that street.
async fn canteen(city: &common::City) -> (&'static str, String) {
    use minsheng_eldercare::meals::{Canteen, CanteenRecord, Dish, MealsStore as _, Slot};
    let clock = Clock::system();
    let community = city.inside.area.clone();
    let street = community.parent().unwrap();
    let eleven = chrono::NaiveTime::from_hms_opt(11, 0, 0).unwrap();
    city.store
        .meals()
        .add_canteens(
            &[CanteenRecord {
                canteen: Canteen {
                    code: "CT1".into(),
                    name: "幸福长者食堂".into(),
                    area: community.clone(),
                    slots: std::collections::BTreeMap::from([(Slot::Lunch, eleven)]),
                    delivers_to: vec![street.clone()],
                    capacity: 80,
                },
                bank_account: "6222000011112222".into(),
                opened_on: clock.today,
                dishes: vec![Dish {
                    code: "L1".into(),
                    name: "午餐套餐".into(),
                    slot: Slot::Lunch,
                    price: minsheng_core::Fen(1_200),
                    discount: minsheng_core::Fen::ZERO,
                }],
            }],
            "tester",
            clock.now,
            minsheng_test_support::noted("canteens"),
        )
        .await
        .unwrap();
    staff_with_token(
        &city.store,
        "幸福食堂",
        minsheng_core::access::Role::Provider,
        community.as_str(),
    )
    .await;
    city.store
        .meals()
        .link_staff(
            "幸福食堂",
            "CT1",
            minsheng_test_support::noted("canteen_staff"),
        )
        .await
        .unwrap();
    let day = clock.today + chrono::Duration::days(1);
    for code in city.store.sample_household_codes(800).await.unwrap() {
        let file = city.store.household_file(&code).await.unwrap();
        for (p, f) in file.as_of(clock.today, clock.now) {
            let age = minsheng_policy::inputs::age_on(p.id_number.birth_date(), day);
            if f.death_date.is_none() && f.area.is_within(&street) && (66..90).contains(&age) {
                return ("幸福食堂", p.id_number.as_str().to_string());
            }
        }
    }
    panic!("no older resident in the street of {community}");
}

/// The words in Latin letters a Chinese page shows that a Chinese reader would not expect: all
/// of two letters or more but the names of file formats, national standards (GB/T …) and the
/// language switch; a digest in hexadecimal is not a word.
fn english_words(text: &str) -> Vec<String> {
    const WRITTEN_SO: [&str; 6] = ["English", "PDF", "CSV", "Excel", "API", "GB"];
    let digest = regex::Regex::new("[0-9a-f]{16,}").unwrap();
    let text = digest.replace_all(text, "");
    let words = regex::Regex::new("[A-Za-z][A-Za-z_.]+").unwrap();
    words
        .find_iter(&text)
        .map(|m| m.as_str().trim_end_matches('.'))
        .filter(|w| w.len() > 1 && !WRITTEN_SO.contains(w))
        .map(str::to_string)
        .collect()
}

#[test]
fn english_words_are_found_on_a_chinese_page() {
    assert_eq!(
        english_words("最低生活保障金 dibao：批准。下载 PDF；Excel 表 English not found"),
        ["dibao", "not", "found"]
    );
    assert!(english_words("身份证号 3702**********123X，1,045.00 元").is_empty());
    assert!(english_words("GB/T 42195-2022《老年人能力评估规范》").is_empty());
    assert!(english_words("文件摘要 51556d0445e050bbacc0249ac7210d8c").is_empty());
}

/// axe-core's script, from the npm package pinned by `tests/axe/package-lock.json`, installed
/// there by `npm ci` the first time it is wanted.
fn axe_source() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe");
    let script = dir.join("node_modules/axe-core/axe.min.js");
    if !script.exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .unwrap_or_else(|e| panic!("npm is needed to install axe-core ({e})"));
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    std::fs::read_to_string(&script).unwrap()
}

/// The city's service points and households on the map, and the circle computed by the city.
async fn circle(city: &common::City) {
    use minsheng_eldercare::circle;
    let clock = Clock::system();
    minsheng_eldercare::facilities::file_synthetic(&city.store, 7, "tester", clock)
        .await
        .unwrap();
    circle::file_synthetic(&city.store, 800, 7, "tester", clock)
        .await
        .unwrap();
    let planner = minsheng_core::access::Account::Staff(minsheng_core::access::Staff {
        name: "市级丁".into(),
        role: minsheng_core::access::Role::City,
        area: minsheng_core::AreaCode::parse("370200").unwrap(),
    });
    circle::refresh(
        &city.store,
        &policy(),
        &planner,
        clock.today,
        3,
        clock,
        &minsheng_app::Quiet,
    )
    .await
    .unwrap();
}

/// The visiting roster as of 40 days ago (anyone never reached since is escalated), a
/// volunteer for an elder of the inside household's street, and that elder's key.
async fn visiting(city: &common::City) -> i64 {
    use minsheng_eldercare::visits::{self, NewVisitor, VisitorKind, VisitsStore as _};
    let clock = Clock::system();
    let start = clock.today - chrono::Duration::days(40);
    let street = minsheng_core::AreaCode::parse(&city.inside.area.as_str()[..9]).unwrap();
    // An older resident of the street, assessed as severely impaired: the rules list them.
    let born_by = start - chrono::Duration::days(366 * 66);
    let (older, _) = city
        .store
        .service_roster(&street, start, born_by, 1, 0)
        .await
        .unwrap();
    let older = older.first().expect("an older resident of the street");
    city.store
        .amend_person(
            &older.id_number,
            start,
            |f| f.ability = Some(minsheng_core::registry::AbilityLevel::Severe),
            "tester",
            clock.now,
            &[minsheng_test_support::noted("amend_person")],
        )
        .await
        .unwrap();
    visits::refresh(
        &city.store,
        &policy(),
        start,
        "区级丙",
        Clock::at(clock.now - chrono::Duration::days(40)),
        &minsheng_app::Quiet,
    )
    .await
    .unwrap();
    let roster = city
        .store
        .visits()
        .roster(&minsheng_core::access::Scope::Area(street))
        .await
        .unwrap();
    let elder = roster.first().expect("an elder to visit in the street");
    city.store
        .visits()
        .add_visitors(
            &[NewVisitor {
                name: "王志愿".into(),
                kind: VisitorKind::Volunteer,
                area: minsheng_core::AreaCode::parse(&elder.area).unwrap(),
                phone: "0532-88880000".into(),
                account: None,
            }],
            "tester",
            clock.now,
            minsheng_test_support::noted("visitors"),
        )
        .await
        .unwrap();
    elder.person_id
}
