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
