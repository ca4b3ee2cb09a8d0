//! `programs.yaml`: the money programs a payment cycle pays, each from one monthly amount
//! variable, and how a household comes to receive it (an application, 免申即享, or a service
//! delivered and accepted).

use marked_yaml::types::MarkedMappingNode;

use crate::rules::Period;
use crate::{Diagnostics, Entity, Location, Type, VarId, Variable};

/// How a household comes to receive a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// A case through the MCA steps, ending in a district decision.
    Application,
    /// 免申即享: granted without an application where the registry proves eligibility.
    Automatic,
    /// A subsidy for a service a provider delivers to one person (家庭养老床位, 适老化改造):
    /// applied for, assessed, a provider assigned, the service started and accepted, with the
    /// deadlines of [`SERVICE_STEPS`]; paid to that person from the month after acceptance.
    /// Neither a caseload carried over nor the sweep enrols anyone in it.
    Service,
}

impl Grant {
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::Application => "application",
            Grant::Automatic => "automatic",
            Grant::Service => "service",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// A stable code (`dibao`), used in the ledger and the bank file.
    pub code: String,
    pub label: String,
    /// The monthly money variable that says how much.
    pub amount: VarId,
    /// Paid to each person with an amount, or (household amounts) to the household's head.
    pub entity: Entity,
    pub grant: Grant,
    /// The deadlines of an application's case: `parameters/procedure/<name>.yaml`.
    pub procedure: Option<String>,
    /// Paid in one month only (一次性补贴): the enrolment ends in the month it begins.
    pub once: bool,
    pub reference: String,
    /// For a household amount, the person variable (true/false) that says which members it is
    /// paid for (低保 counts its members, not a 特困 member); `None`: every member.
    pub covers: Option<VarId>,
    /// Programs a person may not receive together with this one, each with its rule text.
    /// The relation holds both ways, whichever side declares it.
    pub excludes: Vec<Relation>,
    /// Programs this one tops up (补差): it pays only what they leave below its standard.
    pub tops_up: Vec<Relation>,
}

/// Another program, and the rule text that relates it to this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub program: String,
    pub reference: String,
}

const KEYS: &[&str] = &[
    "label",
    "amount",
    "grant",
    "procedure",
    "once",
    "reference",
    "covers",
    "excludes",
    "tops_up",
];

/// The parameters an application's procedure must have, in working days (calendar days for
/// the posting).
pub const PROCEDURE_STEPS: [&str; 5] = ["survey", "posting_days", "decision", "notice", "total"];

/// The parameters a service's procedure must have, each in working days from the step before:
/// the assessment after the application, the provider's assignment, the service's start, and
/// its acceptance.
pub const SERVICE_STEPS: [&str; 4] = ["assess", "assign", "start", "accept"];

pub(crate) fn read(
    file: &str,
    text: &str,
    variables: &[Variable],
    by_name: &std::collections::HashMap<String, VarId>,
    parameters: &crate::Parameters,
    diagnostics: &mut Diagnostics,
) -> Vec<Program> {
    let Some(map) = crate::yaml_mapping(
        file,
        text,
        "programs.yaml maps codes to programs",
        diagnostics,
    ) else {
        return Vec::new();
    };
    let mut programs = Vec::new();
    for (code, def) in map.iter() {
        let at = Location::of(file, code.span().start());
        let code = code.as_str();
        let Some(def) = def.as_mapping() else {
            diagnostics.push(
                at,
                format!("{code}: a program is a mapping ({})", KEYS.join(", ")),
            );
            continue;
        };
        if let Some(program) = program(
            file,
            code,
            def,
            at,
            variables,
            by_name,
            parameters,
            diagnostics,
        ) {
            programs.push(program);
        }
    }
    check_relations(file, &programs, diagnostics);
    programs
}

/// Every relation names another program of the catalog, once.
fn check_relations(file: &str, programs: &[Program], diagnostics: &mut Diagnostics) {
    let at = Location::unknown(file);
    for p in programs {
        let related = p.excludes.iter().map(|r| ("excludes", r));
        for (kind, r) in related.chain(p.tops_up.iter().map(|r| ("tops_up", r))) {
            if r.program == p.code {
                diagnostics.push(at.clone(), format!("{}: {kind} itself", p.code));
            } else if !programs.iter().any(|q| q.code == r.program) {
                diagnostics.push(
                    at.clone(),
                    format!("{}: {kind} '{}', which is not a program", p.code, r.program),
                );
            }
        }
        for q in programs {
            let both = p.excludes.iter().any(|r| r.program == q.code)
                && p.tops_up.iter().any(|r| r.program == q.code);
            if both {
                diagnostics.push(
                    at.clone(),
                    format!(
                        "{}: both excludes and tops up '{}'; a pair is one or the other",
                        p.code, q.code
                    ),
                );
            }
        }
    }
}

/// `{program: reference, …}` under `key`, each reference non-empty.
fn relations(
    file: &str,
    code: &str,
    def: &MarkedMappingNode,
    key: &str,
    diagnostics: &mut Diagnostics,
) -> Vec<Relation> {
    let Some(node) = def.get_node(key) else {
        return Vec::new();
    };
    let Some(map) = node.as_mapping() else {
        diagnostics.push(
            Location::of(file, node.span().start()),
            format!("{code}: '{key}' maps program codes to the rule text that relates them"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (program, reference) in map.iter() {
        let reference = reference
            .as_scalar()
            .map(|s| s.as_str().trim().to_string())
            .unwrap_or_default();
        if reference.is_empty() {
            diagnostics.push(
                Location::of(file, program.span().start()),
                format!(
                    "{code}: {key} '{}' needs the rule text that says so",
                    program.as_str()
                ),
            );
            continue;
        }
        out.push(Relation {
            program: program.as_str().to_string(),
            reference,
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn program(
    file: &str,
    code: &str,
    def: &MarkedMappingNode,
    at: Location,
    variables: &[Variable],
    by_name: &std::collections::HashMap<String, VarId>,
    parameters: &crate::Parameters,
    diagnostics: &mut Diagnostics,
) -> Option<Program> {
    let before = diagnostics.0.len();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        diagnostics.push(
            at.clone(),
            format!("'{code}': a program code is lower-case letters and '_'"),
        );
    }
    for (key, node) in def.iter() {
        if !KEYS.contains(&key.as_str()) {
            diagnostics.push(
                Location::of(file, node.span().start()),
                format!(
                    "{code}: unknown field '{}' (known: {})",
                    key.as_str(),
                    KEYS.join(", ")
                ),
            );
        }
    }
    let mut field = |key: &str| {
        let value = def.get_scalar(key).map(|s| s.as_str().trim().to_string());
        if value.as_deref().is_none_or(str::is_empty) {
            diagnostics.push(at.clone(), format!("{code}: '{key}' is missing"));
        }
        value.unwrap_or_default()
    };
    let (label, amount, grant, reference) = (
        field("label"),
        field("amount"),
        field("grant"),
        field("reference"),
    );
    let grant = match grant.as_str() {
        "application" => Some(Grant::Application),
        "automatic" => Some(Grant::Automatic),
        "service" => Some(Grant::Service),
        "" => None,
        other => {
            diagnostics.push(
                at.clone(),
                format!("{code}: grant '{other}' is not 'application', 'automatic' or 'service'"),
            );
            None
        }
    };
    let once = match def.get_scalar("once").map(|s| s.as_str().trim()) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            diagnostics.push(
                at.clone(),
                format!("{code}: once '{other}' is neither true nor false"),
            );
            false
        }
    };
    if once && grant != Some(Grant::Service) {
        diagnostics.push(
            at.clone(),
            format!("{code}: only a service program is paid once; the others are monthly"),
        );
    }
    let variable = match by_name.get(&amount) {
        Some(&id) => Some(id),
        None if amount.is_empty() => None,
        None => {
            diagnostics.push(
                at.clone(),
                format!("{code}: amount '{amount}' is not a variable"),
            );
            None
        }
    };
    if let Some(v) = variable.and_then(|id| variables.get(id)) {
        let problem = if v.ty != Type::Money {
            Some(format!("is a {}, not an amount of money", v.ty))
        } else if v.period != Period::Month {
            Some("is not monthly".to_string())
        } else if v.one_off {
            Some("is a one-off grant, which a monthly cycle does not pay".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            diagnostics.push(at.clone(), format!("{code}: amount '{amount}' {problem}"));
        }
        if grant == Some(Grant::Service) && v.entity != Entity::Member {
            diagnostics.push(
                at.clone(),
                format!("{code}: a service is for one person; amount '{amount}' is a household's"),
            );
        }
    }
    let procedure = def
        .get_scalar("procedure")
        .map(|s| s.as_str().trim().to_string())
        .filter(|s| !s.is_empty());
    match (&procedure, grant) {
        (None, Some(Grant::Application | Grant::Service)) => diagnostics.push(
            at.clone(),
            format!(
                "{code}: an application or service program needs a 'procedure' (its deadlines)"
            ),
        ),
        (Some(name), _) => {
            let steps: &[&str] = if grant == Some(Grant::Service) {
                &SERVICE_STEPS
            } else {
                &PROCEDURE_STEPS
            };
            for &step in steps {
                let key = format!("procedure.{name}.{step}");
                match parameters.leaves.get(&key) {
                    Some(p) if p.ty == Type::Int => {}
                    Some(p) => diagnostics.push(
                        at.clone(),
                        format!("{code}: {key} is a {}, not a number of days", p.ty),
                    ),
                    None => diagnostics.push(
                        at.clone(),
                        format!("{code}: procedure '{name}' has no parameter {key}"),
                    ),
                }
            }
        }
        (None, _) => {}
    }
    let covers = def
        .get_scalar("covers")
        .map(|s| s.as_str().trim().to_string());
    let covers = covers.and_then(|name| {
        let entity = variable.and_then(|id| variables.get(id)).map(|v| v.entity);
        let found = by_name
            .get(&name)
            .and_then(|&id| Some((id, variables.get(id)?)));
        let problem = match found {
            None => Some("is not a variable".to_string()),
            Some((_, v)) if v.entity != Entity::Member || v.ty != Type::Bool => {
                Some("must be a true/false variable of a person".to_string())
            }
            Some(_) if entity == Some(Entity::Member) => {
                Some("is for household amounts; a person amount covers its person".to_string())
            }
            Some(_) => None,
        };
        if let Some(problem) = problem {
            diagnostics.push(at.clone(), format!("{code}: covers '{name}' {problem}"));
        }
        found.map(|(id, _)| id)
    });
    let excludes = relations(file, code, def, "excludes", diagnostics);
    let tops_up = relations(file, code, def, "tops_up", diagnostics);
    if diagnostics.0.len() > before {
        return None;
    }
    let amount = variable?;
    Some(Program {
        code: code.to_string(),
        label,
        amount,
        entity: variables.get(amount)?.entity,
        grant: grant?,
        procedure,
        once,
        reference,
        covers,
        excludes,
        tops_up,
    })
}
