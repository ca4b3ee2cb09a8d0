//! What the office's notices say of the procedure itself: the materials an applicant may be
//! asked for, said once (一次性告知), and which office takes each step. The letters are typeset
//! by `minsheng-letters`; their data is filled in here and in the web's case pages.

/// The materials an application for these programs may need, said at acceptance so that
/// nothing is asked for a second time (《最低生活保障审核确认办法》(民发〔2021〕57号) 第二章:
/// 申请和受理; 《特困人员认定办法》(民发〔2021〕43号) 第二章).
pub const MATERIALS: [&str; 5] = [
    "申请人及共同生活家庭成员的居民身份证、户口簿",
    "家庭收入、财产状况的说明，以及授权民政部门核对家庭经济状况的书面声明",
    "因残疾、患重病申请的，残疾人证或县级以上医疗机构的诊断证明",
    "申请特困人员救助供养的，无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其无履行能力的说明",
    "其他能够说明家庭困难情况的材料（已在登记中或可由部门共享核对的，无需提交）",
];

pub const MATERIALS_BASIS: &str =
    "《最低生活保障审核确认办法》（民发〔2021〕57号）第二章；《特困人员认定办法》（民发〔2021〕43号）第二章";

/// The office that takes each step of the procedure, by the step's name on the case page.
pub fn office(step: &str) -> &'static str {
    match step {
        "受理" | "调查" | "审核" => "乡镇人民政府（街道办事处）",
        "公示" => "申请家庭所在村（社区）",
        "审批" | "告知" => "县级人民政府民政部门",
        _ => "",
    }
}

/// The appeal route a resident is told with every decision against them or about their benefit
/// (《中华人民共和国行政复议法》第二十条; 《中华人民共和国行政诉讼法》第四十六条).
pub const APPEAL: &str = "如不服本决定，可以自知道该决定之日起六十日内申请行政复议，或者六个月内向人民法院提起行政诉讼。";

/// The message to the applicant when the district decides a case (审批): approved from a
/// month, or refused with the reason and the appeal route.
pub fn decision(
    case: i64,
    to: minsheng_core::IdNumber,
    household: &str,
    program: &str,
    approved_from: Option<minsheng_core::Month>,
    reason: &str,
) -> minsheng_notify::Notice {
    let (title, body) = match approved_from {
        Some(month) => (
            format!("{program}申请已批准"),
            format!(
                "您家（户号 {household}）申请的{program}已经县级民政部门审批同意，自 {month} 起按月发放。审批意见：{reason}。"
            ),
        ),
        None => (
            format!("{program}申请未获批准"),
            format!(
                "您家（户号 {household}）申请的{program}经县级民政部门审批，决定不予批准。理由：{reason}。{APPEAL}"
            ),
        ),
    };
    minsheng_notify::Notice {
        key: format!("case:{case}:decided"),
        kind: minsheng_notify::Kind::Decision,
        to,
        household: household.to_string(),
        title,
        body,
    }
}

/// The message to the resident whose request was declined (不予受理), with the reason.
pub fn request_declined(
    request: i64,
    to: minsheng_core::IdNumber,
    household: &str,
    programs: &str,
    reason: &str,
) -> minsheng_notify::Notice {
    minsheng_notify::Notice {
        key: format!("request:{request}:declined"),
        kind: minsheng_notify::Kind::RequestDeclined,
        to,
        household: household.to_string(),
        title: format!("您的{programs}申请未予受理"),
        body: format!(
            "社区（街道）答复：{reason}。情况有变化时可以再次申请，也可以到社区服务站当面咨询。"
        ),
    }
}

/// The message to the household's head on a decision about a running benefit.
pub fn benefit_decision(
    enrolment: i64,
    to: minsheng_core::IdNumber,
    household: &str,
    program: &str,
    decision: &crate::cases::EnrolmentDecision,
    reason: &str,
) -> minsheng_notify::Notice {
    use crate::cases::EnrolmentDecision as D;
    let (kind, key, title, body) = match decision {
        D::Suspend { from } => (
            minsheng_notify::Kind::BenefitSuspended,
            format!("suspend:{from}"),
            format!("{program}自 {from} 起暂停发放"),
            format!("您家（户号 {household}）的{program}自 {from} 起暂停发放。理由：{reason}。情况说明清楚后可以恢复。{APPEAL}"),
        ),
        D::Resume { from } => (
            minsheng_notify::Kind::BenefitResumed,
            format!("resume:{from}"),
            format!("{program}自 {from} 起恢复发放"),
            format!("您家（户号 {household}）的{program}自 {from} 起恢复发放。说明：{reason}。"),
        ),
        D::End { last } => (
            minsheng_notify::Kind::BenefitEnded,
            format!("end:{last}"),
            format!("{program}发放至 {last} 终止"),
            format!("您家（户号 {household}）的{program}发放至 {last}，此后终止。理由：{reason}。{APPEAL}"),
        ),
        D::Taper { from, months } => (
            minsheng_notify::Kind::BenefitTapered,
            format!("taper:{from}"),
            format!("{program}渐退：自 {from} 起再发 {months} 个月"),
            format!("您家（户号 {household}）因就业收入增加，{program}自 {from} 起按原金额再发放 {months} 个月后停止（渐退）。说明：{reason}。{APPEAL}"),
        ),
    };
    minsheng_notify::Notice {
        key: format!("enrolment:{enrolment}:{key}"),
        kind,
        to,
        household: household.to_string(),
        title,
        body,
    }
}

/// The reminder to a household's head that its benefit's periodic review (定期核查) falls due.
pub fn review_due(
    enrolment: i64,
    to: minsheng_core::IdNumber,
    household: &str,
    program: &str,
    due: chrono::NaiveDate,
) -> minsheng_notify::Notice {
    minsheng_notify::Notice {
        key: format!("enrolment:{enrolment}:review:{due}"),
        kind: minsheng_notify::Kind::ReviewDue,
        to,
        household: household.to_string(),
        title: format!("{program}将于 {due} 前复核"),
        body: format!(
            "您家（户号 {household}）享受的{program}按规定定期复核，应于 {due} 前完成。街道工作人员会联系您核对家庭人口、收入和财产情况；情况有变化的，请主动告知社区。"
        ),
    }
}
