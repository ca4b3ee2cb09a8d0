#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! An older resident assessed from the command line: the blank form filled in, handed in by one
//! of its assessors' accounts, the level in the registry and in the export.

mod common;

use common::{path_str, Db};

/// The blank form with every item at its best and every condition at none, but `set`.
fn filled(blank: &str, set: &[(&str, u32)]) -> String {
    let mut out = String::new();
    let mut top: Option<u32> = None;
    for line in blank.lines() {
        if let Some(option) = line.strip_prefix("#   ") {
            let score: u32 = option.split(':').next().unwrap().parse().unwrap();
            top.get_or_insert(score);
        } else if !line.starts_with('#') && line.ends_with('=') {
            let code = line.trim_end_matches('=');
            let value = set
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, v)| *v)
                .or(top)
                .unwrap_or(0);
            out.push_str(&format!("{line}{value}\n"));
            top = None;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A living resident born before 1950 and never assessed, from the export: ID number and
/// community.
fn older_resident(db: &Db) -> (String, String) {
    let roster = db.path("r.csv");
    db.ok(&["export", path_str(&roster)]);
    let text = std::fs::read_to_string(&roster).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    let older = rows[1..]
        .iter()
        .find(|r| {
            r[col("birth_date")] < "1950-01-01"
                && r[col("death_date")].is_empty()
                && r[col("ability_level")].is_empty()
        })
        .expect("a resident born before 1950");
    (
        older[col("id_number")].to_string(),
        older[col("area")].to_string(),
    )
}

#[test]
fn an_older_resident_is_assessed_and_the_level_is_on_record() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "300", "--seed", "4"]);
    let (id, area) = older_resident(&db);
    db.accounts(&[
        ("评估员甲", "community", &area),
        ("评估员乙", "street", &area[..9]),
    ]);

    let blank = db.ok(&["eldercare", "form"]);
    assert!(
        blank.contains("# 进食") && blank.contains("eating="),
        "{blank}"
    );
    let form = db.path("form.txt");
    std::fs::write(&form, filled(&blank, &[("dementia", 1), ("stairs", 1)])).unwrap();
    let assess = [
        "eldercare",
        "assess",
        id.as_str(),
        "--form",
        path_str(&form),
        "--assessor",
        "评估员甲",
        "--reviewer",
        "评估员乙",
    ];
    let unproven = db.run_as("路人", &assess);
    assert!(!unproven.status.success());
    let done = db.ok_as("评估员甲", &assess);
    assert!(done.contains("总分 88 / 90"), "{done}");
    assert!(done.contains("能力等级: 能力中度受损 (中度失能)"), "{done}");

    let listed = db.ok(&["eldercare", "assessments", &id]);
    assert!(
        listed.contains("总分 88 中度失能 · 评估 评估员甲 复核 评估员乙"),
        "{listed}"
    );
    // Again the same day: within 30 days, without a reason, refused and nothing kept.
    let again = db.run_as("评估员乙", &assess);
    assert!(String::from_utf8_lossy(&again.stderr).contains("reason"));
    assert_eq!(db.ok(&["eldercare", "assessments", &id]).lines().count(), 1);

    // Due again in a year, not now (the synthetic city's own assessments are older).
    let masked = format!("{}********{}", &id[..6], &id[14..]);
    let due_now = db.ok(&["eldercare", "due"]);
    assert!(!due_now.contains(&masked), "{due_now}");
    let next_year = minsheng_app::Clock::system()
        .today
        .checked_add_months(chrono::Months::new(13))
        .unwrap()
        .to_string();
    let due = db.ok(&["eldercare", "due", "--by", &next_year, "--area", &area[..6]]);
    assert!(
        due.lines()
            .any(|l| l.contains(&masked) && l.contains("中度失能")),
        "{due}"
    );

    let after = db.path("after.csv");
    db.ok(&["export", path_str(&after)]);
    let line = std::fs::read_to_string(&after)
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap()
        .to_string();
    assert!(line.ends_with(",moderate"), "{line}");
}

/// An older resident's entitlements under the basic elderly service list, with the rules behind
/// them; the list's counts published by a city administrator, not by a caseworker.
#[test]
fn entitlements_are_explained_and_counts_published_by_the_city() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "300", "--seed", "4"]);
    let (id, area) = older_resident(&db);
    let (id, area) = (id.as_str(), area.as_str());

    let granted = db.ok(&["eldercare", "entitlements", id, "--why"]);
    assert!(granted.contains("崂山区基本养老服务清单"), "{granted}");
    assert!(
        granted.contains("✓ 享受 老年助餐补贴 · 助餐堂食每餐补贴 6.00 元"),
        "{granted}"
    );
    assert!(
        granted.contains("✓ 享受 公共文化、体育设施优待"),
        "{granted}"
    );
    assert!(
        granted.contains("p.eldercare.meal_aid.min_age"),
        "the rules: {granted}"
    );
    assert!(!granted.contains(id), "the ID number is masked");

    db.accounts(&[
        ("社区社工", "community", area),
        ("市局统计", "city", "370200"),
    ]);
    let refused = db.run_as("社区社工", &["eldercare", "publish"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only the city's administrators"));
    let published = db.ok_as("市局统计", &["eldercare", "publish"]);
    assert!(
        published.contains("older persons in") && published.contains("published"),
        "{published}"
    );
}

/// A supervision draw from the command line: made by the district's chief, shown and drawn
/// again, drawn by a stranger from the lists alone with the same result; an inspection by a
/// drawn inspector with a failed item, and its rectification accepted once.
#[test]
fn a_supervision_draw_is_made_verified_and_followed_up() {
    let db = Db::sqlite();
    let generated = db.ok(&["generate", "--people", "2000", "--seed", "4"]);
    assert!(
        generated.contains("care institution(s) filed"),
        "{generated}"
    );
    let listed = db.ok(&["eldercare", "institutions"]);
    let first = listed
        .lines()
        .nth(1)
        .expect("an institution")
        .trim()
        .to_string();
    let area = first.split(" · ").nth(1).unwrap().trim().to_string();
    let district = area[..6].to_string();
    db.accounts(&[
        ("区科长", "district", &district),
        ("街道甲", "street", &area[..9]),
        ("社区乙", "community", &area),
    ]);
    let draw = [
        "eldercare",
        "draw",
        "--plan",
        "2026年第四季度",
        "--area",
        &district,
        "--seed",
        "公证 0417",
    ];
    let refused = db.run_as("社区乙", &draw);
    assert!(
        !refused.status.success(),
        "a community caseworker does not draw for a district"
    );
    let made = db.ok_as("区科长", &draw);
    assert!(made.starts_with("Draw 1 · 2026年第四季度"), "{made}");
    let again = db.run_as("区科长", &draw);
    assert!(String::from_utf8_lossy(&again.stderr).contains("须写明理由"));

    let shown = db.ok(&["eldercare", "show-draw", "1"]);
    assert!(shown.contains("the same result"), "{shown}");
    // A stranger draws from the published lists, with no database.
    let institutions: Vec<String> = db
        .ok(&["eldercare", "institutions", "--area", &district])
        .lines()
        .skip(1)
        .map(|l| l.trim().split(' ').next().unwrap().to_string())
        .collect();
    let lists = db.path("institutions.txt");
    std::fs::write(&lists, institutions.join("\n")).unwrap();
    let names = db.path("inspectors.txt");
    std::fs::write(&names, "街道甲\n区科长\n").unwrap();
    let stranger = db.ok(&[
        "eldercare",
        "redraw",
        "--seed",
        "公证 0417",
        "--institutions",
        path_str(&lists),
        "--inspectors",
        path_str(&names),
        "--share",
        "200",
    ]);
    let drawn_lines: Vec<&str> = made.lines().skip(1).map(str::trim).collect();
    for line in stranger.lines() {
        let (c, team) = line.split_once('=').unwrap();
        assert!(
            drawn_lines.contains(&format!("{c}: {}", team.replace(',', ", ")).as_str()),
            "{line} not in {made}"
        );
    }
    let drawn = drawn_lines[0].split(':').next().unwrap().to_string();

    // The inspection, by one of the two drawn (both inspectors of the district).
    let mut results: Vec<String> = [
        "filing",
        "service_agreement",
        "service_safety",
        "food_safety",
        "staffing",
        "fees_and_funds",
        "nursing_beds",
    ]
    .iter()
    .map(|i| format!("{i}=pass"))
    .collect();
    results.push("fire_safety=fail:疏散通道堆物".into());
    let mut inspect = vec!["eldercare", "inspect", "1", drawn.as_str()];
    inspect.extend(results.iter().map(String::as_str));
    let done = db.ok_as("街道甲", &inspect);
    assert!(
        done.contains("8 items, 1 failed") && done.contains("整改期限"),
        "{done}"
    );
    let rectified = [
        "eldercare",
        "rectified",
        "1",
        drawn.as_str(),
        "fire_safety",
        "--note",
        "已清理",
    ];
    db.ok_as("区科长", &rectified);
    let twice = db.run_as("区科长", &rectified);
    assert!(String::from_utf8_lossy(&twice.stderr).contains("整改验收"));
}

/// The bureau's list of institutions filed from a file: every bad row named by line and column
/// and nothing filed; then the good list, by staff over its area only.
#[test]
fn institutions_are_filed_from_the_bureaus_list_all_or_nothing() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "300", "--seed", "4"]);
    let (_, area) = older_resident(&db);
    let district = &area[..6];
    let before = db.ok(&["eldercare", "institutions", "--area", district]);
    let header = "code,name,area,operator,beds,nursing_beds,residents,filed_on\n";
    let bad = db.path("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{header}{district}YL9001,幸福颐养院,{area},private,100,120,50,2024-03-01\n\
             {district}YL9002,安康护理院,{area},private,80,60,40,2024-13-01\n\
             {district}YL9003,夕阳红公寓,{area},private,many,60,40,2024-03-01\n"
        ),
    )
    .unwrap();
    db.accounts(&[
        ("区科长", "district", district),
        ("外区科长", "district", "370285"),
    ]);
    let refused = db.run_as(
        "区科长",
        &["eldercare", "institutions", "--import", path_str(&bad)],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(!refused.status.success());
    assert!(
        stderr.contains("line 3, filed_on") && stderr.contains("line 4, beds"),
        "{stderr}"
    );
    let good = db.path("good.csv");
    std::fs::write(
        &good,
        format!(
            "{header}{district}YL9001,幸福颐养院,{area},private,100,120,50,2024-03-01\n\
             {district}YL9002,安康护理院,{area},public,80,60,40,2024-03-01\n"
        ),
    )
    .unwrap();
    let too_many = db.run_as(
        "区科长",
        &["eldercare", "institutions", "--import", path_str(&good)],
    );
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("nursing_beds"));
    std::fs::write(
        &good,
        std::fs::read_to_string(&good)
            .unwrap()
            .replace(",120,", ",90,"),
    )
    .unwrap();
    let elsewhere = db.run_as(
        "外区科长",
        &["eldercare", "institutions", "--import", path_str(&good)],
    );
    assert!(String::from_utf8_lossy(&elsewhere.stderr).contains("不在"));
    assert_eq!(
        db.ok(&["eldercare", "institutions", "--area", district]),
        before,
        "nothing filed"
    );
    let filed = db.ok_as(
        "区科长",
        &["eldercare", "institutions", "--import", path_str(&good)],
    );
    assert!(filed.starts_with("2 care institutions filed"), "{filed}");
    assert!(
        filed.contains("幸福颐养院") && filed.contains("公办"),
        "{filed}"
    );
}

/// Older residents (born before 1960, living), from the export: ID number, community and
/// household.
fn older_residents(db: &Db) -> Vec<(String, String, String)> {
    let roster = db.path("older.csv");
    db.ok(&["export", path_str(&roster)]);
    let text = std::fs::read_to_string(&roster).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    rows[1..]
        .iter()
        .filter(|r| r[col("birth_date")] < "1960-01-01" && r[col("death_date")].is_empty())
        .map(|r| {
            (
                r[col("id_number")].to_string(),
                r[col("area")].to_string(),
                r[col("household")].to_string(),
            )
        })
        .collect()
}

/// A refit from the command line, from application to its paid subsidy: filed by the
/// community, assessed, assigned by the street to a provider of the street, started by that
/// provider, accepted by the street (not by the provider, not twice), and paid once in the
/// next month's cycle.
#[test]
fn a_refit_goes_from_application_to_its_paid_subsidy() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "3000", "--seed", "4"]);
    // The synthetic city's year of refits is filed: someone whose household has none yet.
    let filed = db.ok(&["eldercare", "applications"]);
    assert!(filed.contains("居家适老化改造补贴"), "{filed}");
    let households: Vec<&str> = filed
        .lines()
        .filter_map(|l| l.split(" 户 ").nth(1)?.split(' ').next())
        .collect();
    let (id, area, _) = older_residents(&db)
        .into_iter()
        .filter(|(_, _, household)| !households.contains(&household.as_str()))
        .find(|(id, _, _)| {
            db.ok(&["eldercare", "entitlements", id])
                .contains("✓ 享受 居家适老化改造补贴")
        })
        .expect("a hard-up older resident at home");
    let street = &area[..9];
    db.accounts(&[
        ("社区甲", "community", &area),
        ("街道乙", "street", street),
        ("康养中心", "provider", street),
        ("别处服务商", "provider", "370202001"),
    ]);
    db.payment_staff();
    let filed = db.ok_as(
        "社区甲",
        &[
            "eldercare",
            "apply",
            &id,
            "--program",
            "home_refit",
            "--request",
            "卫生间扶手、防滑地面",
        ],
    );
    assert!(filed.contains(" filed: 已受理"), "{filed}");
    assert!(filed.contains("符合条件: 居家适老化改造补贴"), "{filed}");
    let number = filed.split(' ').nth(1).unwrap().to_string();
    let step = |actor: &str, args: &[&str]| {
        let mut all = vec!["eldercare", "application", number.as_str()];
        all.extend_from_slice(args);
        db.run_as(actor, &all)
    };
    let stderr = |o: std::process::Output| String::from_utf8_lossy(&o.stderr).to_string();
    assert!(step(
        "社区甲",
        &["assess", "--assessor", "王芳", "--report", "需扶手2处"]
    )
    .status
    .success());
    let far = step("街道乙", &["assign", "别处服务商"]);
    assert!(stderr(far).contains("provider: 别处服务商 不是服务"));
    assert!(step("街道乙", &["assign", "康养中心"]).status.success());
    assert!(step("康养中心", &["start", "--note", "进场施工"])
        .status
        .success());
    let own = step("康养中心", &["accept", "--report", "合格"]);
    assert!(stderr(own).contains("actor: 康养中心是服务机构"));
    let accepted = step("街道乙", &["accept", "--report", "验收合格"]);
    let out = String::from_utf8_lossy(&accepted.stdout).to_string();
    assert!(out.contains("已验收") && out.contains("paid from"), "{out}");
    let month = out
        .trim()
        .trim_end_matches('.')
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let twice = step("街道乙", &["accept", "--report", "验收合格"]);
    assert!(stderr(twice).contains(&format!("stage: 服务申请 {number}处于「已验收")));

    let shown = db.ok(&["eldercare", "application", &number]);
    for s in [
        "apply",
        "assess",
        "assign",
        "start",
        "accept",
        "服务机构 康养中心",
    ] {
        assert!(shown.contains(s), "{s} in {shown}");
    }
    assert!(!shown.contains(&id), "the ID number is masked:\n{shown}");
    let listed = db.ok(&["eldercare", "applications", "--area", street]);
    assert!(listed.contains("件申请, 办理中 0 件"), "{listed}");
    assert!(
        listed.contains(&format!("  {number} 居家适老化改造补贴")),
        "{listed}"
    );

    let computed = db.ok_as("caseworker", &["pay", "--month", &month]);
    let line = computed
        .lines()
        .find(|l| l.contains("(home_refit)"))
        .unwrap_or_else(|| panic!("no refit in:\n{computed}"));
    assert!(line.contains(" 1 ") && line.ends_with("3,000.00"), "{line}");
    let next: minsheng_core::Month = month.parse().unwrap();
    let after = db.ok_as("caseworker", &["pay", "--month", &next.next().to_string()]);
    assert!(!after.contains("(home_refit)"), "paid once:\n{after}");
}

/// The bureau's list of canteens filed from a file, one row a dish: bad rows named by line and
/// column and nothing filed; a dish of a slot the canteen does not serve refused; then the
/// list, by district staff over it only; and a provider account made the canteen's staff.
#[test]
fn canteens_are_filed_from_the_bureaus_list_and_given_their_staff() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "300", "--seed", "4"]);
    let (_, area) = older_resident(&db);
    let district = &area[..6];
    let street = &area[..9];
    db.accounts(&[
        ("区科长", "district", district),
        ("外区科长", "district", "370285"),
        ("长者食堂", "provider", street),
        ("社区甲", "community", &area),
    ]);
    let header = "code,name,area,capacity,breakfast,lunch,dinner,delivers_to,bank_account,opened_on,dish,dish_name,slot,price,discount\n";
    let file = db.path("canteens.csv");
    let write = |rows: &str| std::fs::write(&file, format!("{header}{rows}")).unwrap();
    write(&format!(
        "CT9001,幸福长者食堂,{area},80,,11:00,17:00,{street},6222000011112222,2024-03-01,L1,午餐套餐,lunch,12.00,1.00\n\
         CT9001,幸福长者食堂,{area},80,,11:00,17:00,{street},6222000011112222,2024-03-01,D1,晚餐,dinner,ten,0\n\
         CT9002,安康食堂,{area},many,,11:00,,,6222000033334444,2024-03-01,L1,午餐,lunch,10.00,0\n"
    ));
    let refused = db.run_as(
        "区科长",
        &["eldercare", "canteens", "--import", path_str(&file)],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(!refused.status.success());
    assert!(
        stderr.contains("line 3, price") && stderr.contains("line 4, capacity"),
        "{stderr}"
    );
    write(&format!(
        "CT9001,幸福长者食堂,{area},80,,11:00,,{street},6222000011112222,2024-03-01,L1,午餐套餐,lunch,12.00,1.00\n\
         CT9001,幸福长者食堂,{area},80,,11:00,,{street},6222000011112222,2024-03-01,D1,晚餐,dinner,10.00,0\n"
    ));
    let no_dinner = db.run_as(
        "区科长",
        &["eldercare", "canteens", "--import", path_str(&file)],
    );
    assert!(
        String::from_utf8_lossy(&no_dinner.stderr).contains("不供应晚餐"),
        "{no_dinner:?}"
    );
    write(&format!(
        "CT9001,幸福长者食堂,{area},80,,11:00,17:00,{street},6222000011112222,2024-03-01,L1,午餐套餐,lunch,12.00,1.00\n\
         CT9001,幸福长者食堂,{area},80,,11:00,17:00,{street},6222000011112222,2024-03-01,D1,晚餐,dinner,10.00,0\n"
    ));
    let elsewhere = db.run_as(
        "外区科长",
        &["eldercare", "canteens", "--import", path_str(&file)],
    );
    assert!(
        String::from_utf8_lossy(&elsewhere.stderr).contains("不能登记"),
        "{elsewhere:?}"
    );
    let before = db.ok(&["eldercare", "canteens"]);
    assert!(!before.contains("CT9001"), "nothing filed: {before}");
    let filed = db.ok_as(
        "区科长",
        &["eldercare", "canteens", "--import", path_str(&file)],
    );
    assert!(filed.starts_with("1 canteens filed"), "{filed}");
    assert!(
        filed.contains("CT9001 幸福长者食堂") && filed.contains("菜品 2"),
        "{filed}"
    );
    let again = db.run_as(
        "区科长",
        &["eldercare", "canteens", "--import", path_str(&file)],
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("已登记"),
        "{again:?}"
    );

    // Only a provider account of the canteen's area works there, made so by the district.
    let not_provider = db.run_as(
        "区科长",
        &["eldercare", "canteen-staff", "社区甲", "CT9001"],
    );
    assert!(
        String::from_utf8_lossy(&not_provider.stderr).contains("服务机构账号"),
        "{not_provider:?}"
    );
    let by_provider = db.run_as(
        "长者食堂",
        &["eldercare", "canteen-staff", "长者食堂", "CT9001"],
    );
    assert!(!by_provider.status.success());
    db.ok_as(
        "区科长",
        &["eldercare", "canteen-staff", "长者食堂", "CT9001"],
    );
    assert!(db
        .ok(&["eldercare", "canteens"])
        .contains("工作人员 长者食堂"));

    // The canteen changes its own menu: a bad row named, a breakfast it does not serve refused,
    // then three dishes in place of two.
    let menu = db.path("menu.csv");
    let header = "dish,dish_name,slot,price,discount\n";
    let import = [
        "eldercare",
        "canteen-menu",
        "CT9001",
        "--import",
        path_str(&menu),
    ];
    std::fs::write(&menu, format!("{header}L1,午餐套餐,lunch,12.00,9.00x\n")).unwrap();
    let bad = db.run_as("长者食堂", &import);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("line 2, discount"),
        "{bad:?}"
    );
    std::fs::write(&menu, format!("{header}B1,早餐,breakfast,5.00,0\n")).unwrap();
    let breakfast = db.run_as("长者食堂", &import);
    assert!(
        String::from_utf8_lossy(&breakfast.stderr).contains("不供应早餐"),
        "{breakfast:?}"
    );
    std::fs::write(
        &menu,
        format!("{header}L1,午餐套餐,lunch,12.00,1.00\nL2,午餐面食,lunch,8.00,0\nD1,晚餐,dinner,10.00,0\n"),
    )
    .unwrap();
    let elsewhere = db.run_as("外区科长", &import);
    assert!(!elsewhere.status.success());
    assert!(db.ok(&["eldercare", "canteens"]).contains("菜品 2"));
    db.ok_as("长者食堂", &import);
    assert!(db.ok(&["eldercare", "canteens"]).contains("菜品 3"));
}

/// The 15-minute circle at the command line: a place outside the city refused with its line
/// and nothing filed, a household not in the registry refused, a community worker not let plan;
/// the district files a station and computes the coverage, with its gaps and suggestions.
#[test]
fn the_circle_is_planned_by_the_district_and_refuses_places_outside_the_city() {
    let db = Db::sqlite();
    db.ok(&["generate", "--people", "300", "--seed", "4"]);
    let (_, area) = older_resident(&db);
    let district = &area[..6];
    db.accounts(&[
        ("区科长", "district", district),
        ("社区甲", "community", &area),
    ]);
    let unread = db.ok_as("区科长", &["eldercare", "circle"]);
    assert!(unread.contains("has not been computed yet"), "{unread}");
    let refused = db.run_as("社区甲", &["eldercare", "circle", "--refresh"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("由区或市民政工作人员维护"),
        "{refused:?}"
    );

    let points = db.path("points.csv");
    let header = "kind,code,name,area_code,lon,lat\n";
    std::fs::write(
        &points,
        format!(
            "{header}community_station,ZD9001,幸福站,{area},120.382611,36.066938\n\
             community_station,ZD9002,远方站,{area},116.397428,39.909200\n"
        ),
    )
    .unwrap();
    let outside = db.run_as(
        "区科长",
        &["eldercare", "circle", "--points", path_str(&points)],
    );
    let stderr = String::from_utf8_lossy(&outside.stderr).to_string();
    assert!(!outside.status.success());
    assert!(
        stderr.contains("lon") && stderr.contains("第 3 行") && stderr.contains("市域之外"),
        "{stderr}"
    );
    let homes = db.path("homes.csv");
    std::fs::write(
        &homes,
        "household,lon,lat\n370299999999-99999,120.38,36.07\n",
    )
    .unwrap();
    let unknown = db.run_as(
        "区科长",
        &["eldercare", "circle", "--homes", path_str(&homes)],
    );
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("不在户籍登记中"),
        "{unknown:?}"
    );

    std::fs::write(
        &points,
        format!("{header}community_station,ZD9001,幸福站,{area},120.382611,36.066938\n"),
    )
    .unwrap();
    let computed = db.ok_as(
        "区科长",
        &[
            "eldercare",
            "circle",
            "--points",
            path_str(&points),
            "--refresh",
            "--suggest",
            "2",
        ],
    );
    assert!(computed.contains("1 service point(s) filed"), "{computed}");
    assert!(computed.contains("Coverage as of"), "{computed}");
    assert!(
        computed.contains("直线 692 米") && computed.contains("低于目标的社区"),
        "{computed}"
    );
    assert!(computed.contains("新增覆盖"), "{computed}");
    assert!(computed.contains(&format!("  {district} · ")), "{computed}");
}
