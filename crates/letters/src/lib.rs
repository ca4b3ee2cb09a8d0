//! Printable notices: the letters a civil-affairs office hands over at each step, typeset to
//! PDF by Typst (as a library) from the templates in `templates/`.
//!
//! A letter is plain data ([`Receipt`], [`Decision`], [`Posting`]) that a context fills in from
//! its records; the template decides the layout. The data reaches the template as JSON in
//! `sys.inputs.data`, so a template reads `d.applicant`, `d.amount` and nothing else: it cannot
//! reach a file, the network or the clock, and the same data always gives the same letter.
//!
//! The type is a CJK font installed on the system (Debian's `fonts-noto-cjk`; elsewhere set
//! `MINSHENG_FONTS` to a folder of `.ttc`/`.otf` files). It is read once, when [`Letters`] is
//! made; without one, making it fails and says which package to install.

use std::path::{Path, PathBuf};

use serde::Serialize;
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;

/// Where Debian's `fonts-noto-cjk` puts its fonts.
pub const DEBIAN_CJK_FONTS: &str = "/usr/share/fonts/opentype/noto";

/// The variable that names another folder of CJK fonts.
pub const FONTS_VARIABLE: &str = "MINSHENG_FONTS";

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("没有可用的中文字体：请安装 fonts-noto-cjk（Debian: apt-get install fonts-noto-cjk），或用 {FONTS_VARIABLE} 指定字体目录（已查找 {0}）")]
    NoFont(String),
    #[error("读取字体 {path} 失败：{reason}")]
    Font { path: String, reason: String },
    #[error("排版失败（{template}）：{reason}")]
    Typeset {
        template: &'static str,
        reason: String,
    },
}

/// One of the notices, with its data.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Letter {
    Receipt(Receipt),
    Decision(Decision),
    Posting(Posting),
    Change(Change),
}

impl Letter {
    fn template(&self) -> &'static str {
        match self {
            Letter::Receipt(_) => "receipt.typ",
            Letter::Decision(_) => "decision.typ",
            Letter::Posting(_) => "posting.typ",
            Letter::Change(_) => "change.typ",
        }
    }
}

/// What heads and closes every notice.
#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    /// 受理回执, 最低生活保障审批决定书 …
    pub title: String,
    /// The letter's number, as the office files it.
    pub number: String,
    /// The office that issues it (a street office, a district bureau).
    pub issuer: String,
    /// The day it is issued, written out: 2026年12月5日.
    pub date: String,
}

/// 受理回执及一次性告知书: the application is accepted, what is still needed, what comes next.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    #[serde(flatten)]
    pub heading: Heading,
    pub applicant: String,
    /// Masked.
    pub id_number: String,
    pub household: String,
    pub case: String,
    pub program: String,
    pub accepted_on: String,
    /// Every material that may still be asked for, said once (一次性告知).
    pub materials: Vec<String>,
    pub materials_basis: String,
    /// Each step with the office that takes it and its deadline.
    pub steps: Vec<ReceiptStep>,
    pub final_due: String,
    pub deadline_basis: String,
    /// What happens next, in a sentence.
    pub next: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptStep {
    pub step: String,
    pub by: String,
    pub due: String,
}

/// 决定书: approval or refusal, with its reasons and the way to appeal.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    #[serde(flatten)]
    pub heading: Heading,
    pub applicant: String,
    /// Masked.
    pub id_number: String,
    pub household: String,
    pub case: String,
    pub program: String,
    pub accepted_on: String,
    pub approved: bool,
    /// The first month paid, for an approval.
    pub from_month: String,
    /// The monthly amount in yuan, grouped (1,298.00), for an approval.
    pub amount: String,
    /// The decision's reasons: the rules' conditions with their figures, then the decider's.
    pub reasons: Vec<String>,
    /// The documents and articles, the parameters with their values and dates.
    pub basis: Vec<String>,
    /// The government an administrative review is applied to (行政复议机关).
    pub review_body: String,
}

/// 暂停发放、渐退、终止通知书: a running benefit suspended, tapered off or ended, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    #[serde(flatten)]
    pub heading: Heading,
    pub applicant: String,
    /// Masked.
    pub id_number: String,
    pub household: String,
    pub program: String,
    /// The first month it was paid.
    pub since: String,
    /// What was decided, in a phrase: 自2027年1月起暂停发放.
    pub decision: String,
    pub reason: String,
    /// For a gradual exit: the monthly amount meanwhile (empty otherwise) and its last month.
    pub amount: String,
    pub until: String,
    pub review_body: String,
}

/// 公示: the households proposed for a program, IDs masked, and how to object.
#[derive(Debug, Clone, Serialize)]
pub struct Posting {
    #[serde(flatten)]
    pub heading: Heading,
    pub program: String,
    pub from: String,
    pub until: String,
    pub posting_basis: String,
    pub rows: Vec<PostingRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PostingRow {
    pub applicant: String,
    /// Masked.
    pub id_number: String,
    pub members: u32,
    /// Yuan a month, grouped.
    pub amount: String,
}

const TEMPLATES: [(&str, &str); 5] = [
    ("common.typ", include_str!("../templates/common.typ")),
    ("receipt.typ", include_str!("../templates/receipt.typ")),
    ("decision.typ", include_str!("../templates/decision.typ")),
    ("posting.typ", include_str!("../templates/posting.typ")),
    ("change.typ", include_str!("../templates/change.typ")),
];

/// The typesetter with its templates and fonts, made once and shared: rendering a letter
/// reuses what earlier letters laid out.
pub struct Letters {
    engine: TypstEngine,
}

impl Letters {
    /// Reads the CJK fonts from `MINSHENG_FONTS`, else from where `fonts-noto-cjk` puts them.
    pub fn from_system() -> Result<Letters, LetterError> {
        let dir = std::env::var_os(FONTS_VARIABLE)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEBIAN_CJK_FONTS));
        Letters::with_fonts(&dir)
    }

    /// Reads every `.ttc`, `.otc`, `.otf` and `.ttf` file of `dir` whose name says CJK.
    pub fn with_fonts(dir: &Path) -> Result<Letters, LetterError> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|_| LetterError::NoFont(dir.display().to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let font = [".ttc", ".otc", ".otf", ".ttf"]
                    .iter()
                    .any(|ext| name.to_ascii_lowercase().ends_with(ext));
                // Only the serif and sans faces the templates name, regular and bold: the
                // other weights would be read and never used.
                font && name.contains("CJK") && (name.contains("Regular") || name.contains("Bold"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(LetterError::NoFont(dir.display().to_string()));
        }
        let mut fonts = Vec::with_capacity(files.len());
        for path in &files {
            fonts.push(std::fs::read(path).map_err(|e| LetterError::Font {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?);
        }
        let engine = TypstEngine::builder()
            .fonts(fonts)
            .with_static_source_file_resolver(TEMPLATES)
            .build();
        Ok(Letters { engine })
    }

    /// The letter as a PDF.
    pub fn render(&self, letter: &Letter) -> Result<Vec<u8>, LetterError> {
        let template = letter.template();
        let failed = |reason: String| LetterError::Typeset { template, reason };
        let data = serde_json::to_string(letter).map_err(|e| failed(e.to_string()))?;
        let mut inputs = Dict::new();
        inputs.insert("data".into(), data.into_value());
        let document: PagedDocument = self
            .engine
            .compile_with_input(template, inputs)
            .output
            .map_err(|e| failed(e.to_string()))?;
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
            failed(
                errors
                    .iter()
                    .map(|e| e.message.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    }
}

/// A day as a letter writes it: 2026年12月5日.
pub fn written_date(year: i32, month: u32, day: u32) -> String {
    format!("{year}年{month}月{day}日")
}
