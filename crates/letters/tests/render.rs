#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Each notice typeset and read back as a person would: the PDF's text (poppler's `pdftotext`)
//! has the names, amounts, dates and articles the data gave it, and its first page renders to
//! an image (`pdftoppm`).

use std::process::Command;

use minsheng_letters::{
    Change, Decision, Heading, Letter, Letters, Posting, PostingRow, Receipt, ReceiptStep,
};

fn letters() -> Letters {
    Letters::from_system().unwrap_or_else(|e| panic!("{e}"))
}

fn heading(title: &str) -> Heading {
    Heading {
        title: title.into(),
        number: "市南民救〔2026〕第 12 号".into(),
        issuer: "青岛市市南区民政局".into(),
        date: minsheng_letters::written_date(2026, 12, 5),
    }
}

use minsheng_test_support::pdf_text as text_of;

fn decision(approved: bool) -> Decision {
    Decision {
        heading: heading(if approved {
            "最低生活保障审批决定书"
        } else {
            "不予批准最低生活保障决定书"
        }),
        applicant: "王秀英".into(),
        id_number: "370202********1234".into(),
        household: "370212001003-00012".into(),
        case: "12".into(),
        program: "最低生活保障".into(),
        accepted_on: "2026年11月2日".into(),
        approved,
        from_month: "2027年1月".into(),
        amount: "1,298.00".into(),
        reasons: vec![
            "家庭人均月收入 612.40 元，低于低保标准 1,045.00 元".into(),
            "计算：(低保标准 1,045.00 元 − 人均收入 612.40 元) × 3 = 1,297.80 元".into(),
        ],
        basis: vec!["《最低生活保障审核确认办法》第二十三条".into()],
        review_body: "青岛市市南区人民政府".into(),
    }
}

#[test]
fn an_approval_names_the_person_the_amount_the_reason_and_the_appeal() {
    let pdf = letters().render(&Letter::Decision(decision(true))).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    for wanted in [
        "最低生活保障审批决定书",
        "王秀英",
        "370202********1234",
        "准予享受最低生活保障",
        "2027年1月起每月1,298.00元",
        "家庭人均月收入612.40元，低于低保标准1,045.00元",
        "《最低生活保障审核确认办法》第二十三条",
        "六十日内向青岛市市南区人民政府申请行政复议",
        "《中华人民共和国行政复议法》第二十条",
        "六个月内向人民法院提起行政诉讼",
        "青岛市市南区民政局",
        "2026年12月5日",
    ] {
        assert!(text.contains(wanted), "«{wanted}» not in:\n{text}");
    }
}

#[test]
fn a_refusal_says_so_and_never_offers_an_amount() {
    let pdf = letters()
        .render(&Letter::Decision(decision(false)))
        .unwrap();
    let text = text_of(&pdf);
    assert!(text.contains("不予批准"), "{text}");
    assert!(!text.contains("准予享受"), "{text}");
    assert!(text.contains("行政诉讼"), "{text}");
}

#[test]
fn a_receipt_lists_what_is_needed_once_and_what_comes_next() {
    let receipt = Receipt {
        heading: heading("受理回执及一次性告知书"),
        applicant: "王秀英".into(),
        id_number: "370202********1234".into(),
        household: "370212001003-00012".into(),
        case: "12".into(),
        program: "最低生活保障".into(),
        accepted_on: "2026年11月2日".into(),
        materials: vec![
            "居民身份证、户口簿".into(),
            "授权核对家庭经济状况的书面声明".into(),
        ],
        materials_basis: "《最低生活保障审核确认办法》".into(),
        steps: vec![ReceiptStep {
            step: "入户调查".into(),
            by: "乡镇人民政府（街道办事处）".into(),
            due: "2026年11月5日".into(),
        }],
        final_due: "2026年12月14日".into(),
        deadline_basis: "全程不超过 30 个工作日".into(),
        next: "工作人员将入户调查，核实家庭经济状况".into(),
    };
    let text = text_of(&letters().render(&Letter::Receipt(receipt)).unwrap());
    for wanted in [
        "受理回执及一次性告知书",
        "1.居民身份证、户口簿",
        "2.授权核对家庭经济状况的书面声明",
        "入户调查",
        "2026年11月5日",
        "2026年12月14日前办结",
        "工作人员将入户调查",
    ] {
        assert!(text.contains(wanted), "«{wanted}» not in:\n{text}");
    }
}

#[test]
fn a_posting_masks_every_id_and_counts_the_households() {
    let posting = Posting {
        heading: heading("最低生活保障审核结果公示"),
        program: "最低生活保障".into(),
        from: "2026年11月20日".into(),
        until: "2026年11月26日".into(),
        posting_basis: "公示期 7 天".into(),
        rows: (1..=40)
            .map(|i| PostingRow {
                applicant: format!("申请人{i}"),
                id_number: format!("370202********{i:04}"),
                members: 3,
                amount: "1,298.00".into(),
            })
            .collect(),
    };
    let pdf = letters().render(&Letter::Posting(posting)).unwrap();
    let text = text_of(&pdf);
    assert!(text.contains("共40户"), "{text}");
    assert!(text.contains("申请人40"), "every row, over pages: {text}");
    assert!(text.contains("370202********0040"));

    // The first page renders to an image: what a print preview shows.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.pdf"), &pdf).unwrap();
    let out = Command::new("pdftoppm")
        .current_dir(dir.path())
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", "p.pdf", "page"])
        .output()
        .expect("pdftoppm (Debian: poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .expect("a page image");
    let bytes = std::fs::read(png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 2_000,
        "{}",
        bytes.len()
    );
}

#[test]
fn without_a_cjk_font_it_says_which_package_to_install() {
    let empty = tempfile::tempdir().unwrap();
    let e = Letters::with_fonts(empty.path())
        .err()
        .expect("no font, no letters");
    assert!(e.to_string().contains("fonts-noto-cjk"), "{e}");
}

#[test]
fn a_gradual_exit_says_until_when_how_much_and_why() {
    let change = Change {
        heading: heading("最低生活保障渐退通知书"),
        applicant: "王秀英".into(),
        id_number: "370202********1234".into(),
        household: "370212001003-00012".into(),
        program: "最低生活保障".into(),
        since: "2025年6月".into(),
        decision: "自2027年1月起渐退，2027年3月后终止".into(),
        reason: "家庭成员就业，家庭人均月收入超过低保标准".into(),
        amount: "1,298.00".into(),
        until: "2027年3月".into(),
        review_body: "青岛市市南区人民政府".into(),
    };
    let text = text_of(&letters().render(&Letter::Change(change)).unwrap());
    for wanted in [
        "最低生活保障渐退通知书",
        "自2027年1月起渐退，2027年3月后终止",
        "家庭成员就业",
        "渐退期间每月发放1,298.00元，2027年3月后停止发放",
        "申请行政复议",
    ] {
        assert!(text.contains(wanted), "«{wanted}» not in:\n{text}");
    }
}
