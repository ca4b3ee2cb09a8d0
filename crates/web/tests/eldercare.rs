#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! An older resident assessed on the web: from the household page to the assessor's form, the
//! form handed in, the printable report, the level on the household page; a second form within
//! 30 days without a reason refused; the report hidden outside the reader's area.

mod common;

use axum::http::{header, StatusCode};
use common::{get, post_form, send, session_cookie, sign_in, urlencode, Auth, PASSWORD};
use minsheng_app::Clock;
use minsheng_core::access::Role;
use minsheng_store::Store;

/// A member of staff with a sign-in (password [`PASSWORD`]).
async fn staff(store: &Store, name: &str, role: Role, area: &str) {
    common::staff_with_token(store, name, role, area).await;
}

#[tokio::test]
async fn an_older_resident_is_assessed_from_the_household_page_to_the_printed_report() {
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let clock = Clock::system();
    // A household with a living member of 60 or more.
    let mut found = None;
    for code in store.sample_household_codes(400).await.unwrap() {
        let file = store.household_file(&code).await.unwrap();
        let older = file.as_of(clock.today, clock.now).iter().any(|(p, f)| {
            f.death_date.is_none()
                && minsheng_policy::inputs::age_on(p.id_number.birth_date(), clock.today) >= 60
        });
        if older {
            found = Some(file);
            break;
        }
    }
    let file = found.expect("a household with an older member");
    let area = file.area.as_str().to_string();
    staff(&store, "评估员甲", Role::Community, &area).await;
    staff(&store, "评估员乙", Role::Street, &area[..9]).await;
    let elsewhere = [&city.inside.area, &city.outside.area]
        .into_iter()
        .map(|a| a.as_str().to_string())
        .find(|a| a[..6] != area[..6])
        .expect("a community of another district");
    staff(&store, "别处社工", Role::Community, &elsewhere).await;
    let app = city.app();
    let cookie = session_cookie(&sign_in(&app, "评估员甲", PASSWORD).await);
    let auth = Auth::Cookie(cookie.clone());

    let page = send(&app, get(&format!("/households/{}", file.code), &auth)).await;
    assert_eq!(page.status, StatusCode::OK);
    let link = page
        .body
        .split("href=\"")
        .find(|s| s.starts_with("/eldercare/assess?"))
        .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"))
        .expect("an assessment link for the older member");

    let form = send(&app, get(&link, &auth)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("进食") && form.body.contains("name=\"i_eating\""));
    let csrf = common::csrf_of(&form.body);
    let scale = common::policy();
    let scale = scale.scale("ability").unwrap();
    let mut fields = vec![format!("csrf={csrf}")];
    for item in scale.domains.iter().flat_map(|d| &d.items) {
        let score = if item.code == "stairs" { 1 } else { item.max() };
        fields.push(format!("i_{}={score}", item.code));
    }
    fields.push("c_dementia=1".into());
    fields.push("c_risk_events=0".into());
    fields.push(format!("reviewer={}", urlencode("评估员乙")));
    let body = fields.join("&");
    let handed = send(&app, post_form(&link, &cookie, &body)).await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.body);
    let report_path = handed.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(report_path.starts_with("/eldercare/assessments/"));

    let report = send(&app, get(&report_path, &auth)).await;
    assert_eq!(report.status, StatusCode::OK);
    for expected in [
        "能力等级: 能力中度受损 (中度失能)",
        "总分 88 / 90",
        "上下楼梯",
        "评估员签名",
        "复核员 评估员乙",
    ] {
        assert!(report.body.contains(expected), "missing «{expected}»");
    }
    let page = send(&app, get(&format!("/households/{}", file.code), &auth)).await;
    assert!(page.body.contains("中度失能"));
    // The household's audit trail names what was done, not its code.
    assert!(page.body.contains("<td>查阅户档案</td>"), "{}", page.body);
    assert!(!page.body.contains("<td>read_household</td>"));

    // The same day again, without a reason: the form comes back, answers kept, nothing written.
    let again = send(&app, post_form(&link, &cookie, &body)).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("reason"), "{}", again.body);
    assert!(again.body.contains("value=\"1\" required checked"));

    // Outside the reader's area the report does not exist.
    let far = session_cookie(&sign_in(&app, "别处社工", PASSWORD).await);
    let hidden = send(&app, get(&report_path, &Auth::Cookie(far))).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
}

/// From the household page a caseworker opens what the basic elderly service list grants an
/// older member, with the rule behind each item; reading it is audited; staff of another area
/// find nothing. The list and its published counts are public, with no sign-in.
#[tokio::test]
async fn an_older_persons_entitlements_and_the_public_service_list() {
    use minsheng_eldercare::publication::publish;
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let clock = Clock::system();
    let month = minsheng_core::Month::containing(clock.today);
    // An older member, 65 or more (meal aid), alive.
    let mut found = None;
    for code in store.sample_household_codes(400).await.unwrap() {
        let file = store.household_file(&code).await.unwrap();
        let members = file.as_of(month.first_day(), clock.now);
        let older = members.iter().position(|(p, f)| {
            f.death_date.is_none()
                && minsheng_policy::inputs::age_on(p.id_number.birth_date(), month.last_day()) >= 66
        });
        if let Some(member) = older {
            found = Some((file.clone(), member));
            break;
        }
    }
    let (file, member) = found.expect("a household with an older member");
    let area = file.area.as_str().to_string();
    staff(&store, "养老社工", Role::Community, &area).await;
    let elsewhere = [&city.inside.area, &city.outside.area]
        .into_iter()
        .map(|a| a.as_str().to_string())
        .find(|a| a[..6] != area[..6])
        .expect("a community of another district");
    staff(&store, "外区社工", Role::Community, &elsewhere).await;
    let app = city.app();
    let auth = Auth::Cookie(session_cookie(&sign_in(&app, "养老社工", PASSWORD).await));

    let page = send(&app, get(&format!("/households/{}", file.code), &auth)).await;
    let link = page
        .body
        .split("href=\"")
        .find(|s| {
            s.starts_with(&format!(
                "/eldercare/entitlements?household={}&member={member}\"",
                file.code
            ))
        })
        .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"))
        .expect("an entitlements link for the older member");
    let granted = send(&app, get(&link, &auth)).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    for expected in [
        "基本养老服务享受清单",
        "崂山区基本养老服务清单",
        "本月可享受的服务",
        "老年助餐补贴",
        "为什么可以享受",
        "p.eldercare.meal_aid.min_age",
        "公共文化、体育设施优待",
    ] {
        assert!(granted.body.contains(expected), "missing «{expected}»");
    }
    let audited = store.audit_entries(&file.code).await.unwrap();
    assert!(audited
        .iter()
        .any(|e| e.action == "read_entitlements" && e.actor == "养老社工"));
    let far = Auth::Cookie(session_cookie(&sign_in(&app, "外区社工", PASSWORD).await));
    let hidden = send(&app, get(&link, &far)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let bad = send(&app, get(&format!("{link}&month=2024-09"), &auth)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("月份："),
        "the field by its name: {}",
        bad.body
    );

    // The public page: the list, and no counts until they are published.
    let public = send(&app, get("/services", &Auth::None)).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.body.contains("特困老年人集中供养") && public.body.contains("崂办字〔2024〕12号")
    );
    assert!(public.body.contains("尚未发布统计"));
    let policy = common::policy();
    let counts = publish(
        &store,
        &policy,
        month,
        "统计员",
        clock,
        &minsheng_app::Quiet,
    )
    .await
    .unwrap();
    let older: u64 = counts.streets.values().map(|(n, _)| n).sum();
    let public = send(&app, get("/services", &Auth::None)).await;
    assert!(
        public.body.contains(&format!("<th>{older}</th>")),
        "the total of older persons"
    );
    assert!(
        !public.body.contains(&file.code),
        "no household on the public page"
    );
    let early = send(&app, get("/services?on=2024-10-21", &Auth::None)).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The supervision of care institutions is public: the institutions by district, every draw
/// with its seed, a draw's page that draws it again and says it verifies, and what the
/// inspection found with its rectification status.
#[tokio::test]
async fn care_institutions_supervision_is_public() {
    use minsheng_eldercare::supervision::file_synthetic;
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let clock = Clock::system();
    let policy = common::policy();
    let filed = file_synthetic(&store, 1_000_000, 3, "tester", clock)
        .await
        .unwrap();
    assert_eq!(filed, 30, "297 per ten million");
    let facilities = minsheng_eldercare::facilities::file_synthetic(&store, 3, "tester", clock)
        .await
        .unwrap();
    let app = city.app();
    let public = send(&app, get("/supervision", &Auth::None)).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("尚无抽查") && public.body.contains("护理型床位占比"));
    // The service network beside the institutions: the city's 135 centres and 1,300 stations,
    // in the city's total row.
    assert!(public.body.contains("镇街综合养老服务机构") && public.body.contains("村居养老服务站"));
    let centres = facilities - 1_300;
    assert!(
        public
            .body
            .contains(&format!("<th>{centres}</th><th>1300</th></tr>")),
        "{facilities} facilities"
    );

    // The district of a filed institution, with an inspector of its street and its chief.
    use minsheng_eldercare::supervision::SupervisionStore as _;
    let first = store.supervision().institutions().await.unwrap()[0].clone();
    let district = first.area.district().unwrap();
    let street = first.area.parent().unwrap();
    staff(&store, "区监管科长", Role::District, district.as_str()).await;
    staff(&store, "街道检查员", Role::Street, street.as_str()).await;
    let chief = session_cookie(&sign_in(&app, "区监管科长", PASSWORD).await);
    let chief_auth = Auth::Cookie(chief.clone());

    // The draw from the web: a blank seed comes back with the field named; then the draw.
    let form = send(&app, get("/supervision/draw", &chief_auth)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(&format!("value=\"{district}\"")),
        "the chief's own area"
    );
    let csrf = common::csrf_of(&form.body);
    let fields = |seed: &str| {
        format!(
            "csrf={csrf}&plan={}&area={district}&seed={}&reason=",
            urlencode("2026年第四季度"),
            urlencode(seed)
        )
    };
    let blank = send(&app, post_form("/supervision/draw", &chief, &fields(" "))).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("seed"), "{}", blank.body);
    let made = send(
        &app,
        post_form("/supervision/draw", &chief, &fields("公证处 2026-0417")),
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let draw_path = made.headers[header::LOCATION].to_str().unwrap().to_string();
    let record = store
        .supervision()
        .draw(draw_path.rsplit('/').next().unwrap().parse().unwrap())
        .await
        .unwrap();
    assert_eq!(record.drawn_by, "区监管科长");
    let again = send(
        &app,
        post_form("/supervision/draw", &chief, &fields("另一个")),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a second draw needs a reason"
    );
    let (code, team) = record.result[0].clone();
    assert_eq!(team.len(), 2);

    // The inspection from the web, by a drawn inspector, with one failed item.
    let inspector = session_cookie(&sign_in(&app, "街道检查员", PASSWORD).await);
    let inspect_path = format!("{draw_path}/inspect?institution={code}");
    let form = send(&app, get(&inspect_path, &Auth::Cookie(inspector.clone()))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = common::csrf_of(&form.body);
    let checklist = minsheng_eldercare::supervision::checklist(&policy).unwrap();
    let mut fields = vec![format!("csrf={csrf}")];
    for item in &checklist.items {
        if item.code == "fire_safety" {
            fields.push(format!("pass_{}=fail", item.code));
            fields.push(format!("note_{}={}", item.code, urlencode("疏散通道堆物")));
        } else {
            fields.push(format!("pass_{}=pass", item.code));
        }
    }
    let handed = send(
        &app,
        post_form(&inspect_path, &inspector, &fields.join("&")),
    )
    .await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.body);

    let public = send(&app, get("/supervision", &Auth::None)).await;
    assert!(
        public.body.contains("公证处 2026-0417"),
        "the seed is public"
    );
    assert!(public
        .body
        .contains(&format!("href=\"/supervision/{}\"", record.id)));
    let page = send(
        &app,
        get(&format!("/supervision/{}", record.id), &Auth::None),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for expected in [
        "已按下列种子和名单重新抽取，结果一致。",
        "疏散通道堆物",
        "整改中",
        "hashlib.sha256",
        code.as_str(),
        "消防安全",
    ] {
        assert!(page.body.contains(expected), "missing «{expected}»");
    }
    // The rectification accepted from the link on the public page, by the chief.
    let rectify_path = format!("{draw_path}/rectify?institution={code}&item=fire_safety");
    assert!(page.body.contains(&rectify_path), "a link to accept it");
    let form = send(&app, get(&rectify_path, &chief_auth)).await;
    let csrf = common::csrf_of(&form.body);
    let body = format!("csrf={csrf}&note={}", urlencode("通道已清理"));
    let accepted = send(&app, post_form(&rectify_path, &chief, &body)).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let page = send(&app, get(&draw_path, &Auth::None)).await;
    assert!(page.body.contains("已整改") && page.body.contains("通道已清理"));
    let twice = send(&app, post_form(&rectify_path, &chief, &body)).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let none = send(&app, get("/supervision/999999", &Auth::None)).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

/// A home care bed or a refit on the web: filed from the older person's entitlements page,
/// visited, assigned to a provider serving the street, started by that provider (who cannot
/// accept it), accepted by the street and enrolled for payment; hidden from another district;
/// every read of it audited.
#[tokio::test]
async fn a_bed_or_refit_from_the_entitlements_page_to_acceptance() {
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let clock = Clock::system();
    let month = minsheng_core::Month::containing(clock.today);
    let policy = common::policy();
    let services: Vec<(&str, minsheng_policy::VarId)> = ["home_care_bed", "home_refit"]
        .into_iter()
        .map(|p| (p, policy.program(p).unwrap().amount))
        .collect();
    let mut found = None;
    'households: for code in store.sample_household_codes(400).await.unwrap() {
        let file = store.household_file(&code).await.unwrap();
        let members = file.as_of(month.first_day(), clock.now);
        for member in 0..members.len() {
            for (program, amount) in &services {
                let mut e =
                    minsheng_policy::Evaluation::of_household(&policy, month, &members, false);
                if matches!(e.variable(*amount, Some(member)), Ok(minsheng_policy::Value::Money(f)) if f.0 > 0)
                {
                    found = Some((file.clone(), member, *program));
                    break 'households;
                }
            }
        }
    }
    let (file, member, program) = found.expect("an older person with a bed or a refit");
    let street = &file.area.as_str()[..9];
    staff(&store, "街道养老", Role::Street, street).await;
    staff(&store, "康养服务中心", Role::Provider, street).await;
    let elsewhere = [&city.inside.area, &city.outside.area]
        .into_iter()
        .map(|a| a.as_str().to_string())
        .find(|a| a[..6] != file.area.as_str()[..6])
        .expect("a community of another district");
    staff(&store, "外区社工", Role::Community, &elsewhere).await;
    let app = city.app();
    let cookie = session_cookie(&sign_in(&app, "街道养老", PASSWORD).await);
    let auth = Auth::Cookie(cookie.clone());

    let page = send(
        &app,
        get(
            &format!(
                "/eldercare/entitlements?household={}&member={member}",
                file.code
            ),
            &auth,
        ),
    )
    .await;
    assert!(
        page.body
            .contains(&format!("name=\"program\" value=\"{program}\"")),
        "an application form for {program}"
    );
    let csrf = common::csrf_of(&page.body);
    let body = format!(
        "csrf={csrf}&program={program}&household={}&member={member}&request={}",
        file.code,
        urlencode("老人行动不便, 申请办理")
    );
    let filed = send(&app, post_form("/eldercare/applications", &cookie, &body)).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let path = filed.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let shown = send(&app, get(&path, &auth)).await;
    assert!(shown.body.contains("已受理, 待上门评估"), "{}", shown.body);
    assert!(shown.body.contains("受理时的规则判断"));
    let csrf = common::csrf_of(&shown.body);
    let step = |fields: &str| format!("csrf={csrf}&{fields}");
    let visited = send(
        &app,
        post_form(
            &path,
            &cookie,
            &step(&format!(
                "step=assess&assessors={}&report={}",
                urlencode("王芳、李强"),
                urlencode("需要")
            )),
        ),
    )
    .await;
    assert_eq!(visited.status, StatusCode::SEE_OTHER, "{}", visited.body);
    let offered = send(&app, get(&path, &auth)).await;
    assert!(
        offered.body.contains("<option>康养服务中心</option>"),
        "{}",
        offered.body
    );
    let assigned = send(
        &app,
        post_form(
            &path,
            &cookie,
            &step(&format!(
                "step=assign&provider={}",
                urlencode("康养服务中心")
            )),
        ),
    )
    .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);

    // The provider sees what is assigned to it, starts, and cannot accept its own work.
    let provider_cookie = session_cookie(&sign_in(&app, "康养服务中心", PASSWORD).await);
    let provider = Auth::Cookie(provider_cookie.clone());
    let listed = send(&app, get("/eldercare/applications", &provider)).await;
    assert!(listed.body.contains(&path), "{}", listed.body);
    // The provider's list as an Excel workbook: its one application, the ID number masked.
    let workbook = send(&app, get("/eldercare/applications.xlsx", &provider)).await;
    assert_eq!(workbook.status, StatusCode::OK, "{}", workbook.body);
    let rows: Vec<Vec<String>> = {
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(workbook.bytes.clone())).unwrap();
        book.worksheet_range("家庭养老床位和适老化改造")
            .unwrap()
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect()
    };
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[1][3].contains("********"), "{rows:?}");
    let own = send(&app, get(&path, &provider)).await;
    let provider_csrf = common::csrf_of(&own.body);
    let started = send(
        &app,
        post_form(
            &path,
            &provider_cookie,
            &format!(
                "csrf={provider_csrf}&step=start&on={}&note={}",
                clock.today,
                urlencode("开始")
            ),
        ),
    )
    .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let refused = send(
        &app,
        post_form(
            &path,
            &provider_cookie,
            &format!("csrf={provider_csrf}&step=accept&report=ok"),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("操作人："), "{}", refused.body);

    let accepted = send(
        &app,
        post_form(
            &path,
            &cookie,
            &step(&format!("step=accept&report={}", urlencode("合格"))),
        ),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let done = send(&app, get(&path, &auth)).await;
    assert!(done.body.contains("已验收, 补贴纳入发放") && done.body.contains("发放登记"));
    let again = send(
        &app,
        post_form(&path, &cookie, &step("step=accept&report=again")),
    )
    .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("环节："), "{}", again.body);

    let far = Auth::Cookie(session_cookie(&sign_in(&app, "外区社工", PASSWORD).await));
    assert_eq!(
        send(&app, get(&path, &far)).await.status,
        StatusCode::NOT_FOUND
    );
    let id = path.rsplit('/').next().unwrap();
    let reads = store.audit_entries(&format!("service:{id}")).await.unwrap();
    assert!(reads
        .iter()
        .any(|e| e.action == "read_service_application" && e.actor == "康养服务中心"));
    assert!(reads
        .iter()
        .any(|e| e.action == "service_accept" && e.actor == "街道养老"));
}
