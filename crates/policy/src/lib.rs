//! Policy as code. A policy is a folder a policy officer can read and change without Rust:
//!
//! - `parameters/**.yaml` — dated values with a legal reference on each (OpenFisca's shape);
//! - `variables/*.yaml` — what is computed, for whom, per which period, by which formula
//!   (dated; a base rule with exceptions where the law has them);
//! - `tests/*.yaml` — cases with inputs and expected outputs, at every threshold;
//! - `scales/*.yaml` — scored instruments (the older person's ability assessment), see
//!   [`scale`];
//! - `services/*.yaml` — dated lists of the services guaranteed to a group (the basic elderly
//!   service list), each item's target group a variable, see [`services`];
//! - `checklists/*.yaml` — what an inspection checks, item by item with its legal basis, see
//!   [`checklists`].
//!
//! [`Policy::load`] type-checks everything and rejects the whole policy, listing every error
//! with file, line and column; nothing loads half-way. [`eval::Evaluation`] computes and
//! explains one household and month.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod batch;
pub mod checklists;
pub mod entities;
pub mod eval;
pub mod explain;
pub mod inputs;
pub mod monitoring;
pub mod parameters;
pub mod programs;
pub mod roster;
pub mod rules;
pub mod scale;
pub mod services;
pub mod summary;
pub mod syntax;
pub mod testing;
pub mod value;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use eval::{EvalError, Evaluation};
pub use monitoring::MonitoringCategory;
pub use parameters::Parameters;
pub use programs::{Grant, Program, SERVICE_STEPS};
pub use roster::ServiceRoster;
pub use rules::{Entity, VarId, Variable};
pub use value::{Type, Value};

/// A place in a policy file (lines and columns from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn unknown(file: &str) -> Location {
        Location {
            file: file.to_string(),
            line: 0,
            column: 0,
        }
    }

    pub fn of(file: &str, marker: Option<&marked_yaml::Marker>) -> Location {
        match marker {
            Some(m) => Location {
                file: file.to_string(),
                line: m.line(),
                column: m.column(),
            },
            None => Location::unknown(file),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every problem found while loading, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, location: Location, message: impl Into<String>) {
        self.0.push(Diagnostic {
            location,
            message: message.into(),
        });
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        write!(f, "{} error(s); the policy was not loaded", self.0.len())
    }
}

impl std::error::Error for Diagnostics {}

/// A loaded, checked policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub root: PathBuf,
    pub parameters: Parameters,
    pub variables: Vec<Variable>,
    pub by_name: HashMap<String, VarId>,
    /// Facts of each member, in the order an evaluation is given them (the registry's, unless
    /// the policy declares its own entities).
    pub inputs: Vec<inputs::Input>,
    /// What the formulas are about: a household and its persons, or what `entities.yaml`
    /// declares.
    pub entities: entities::Entities,
    /// What the payment cycle pays (`programs.yaml`; none if the folder has no such file).
    pub programs: Vec<Program>,
    /// The low-income categories a sweep counts (`monitoring.yaml`; none without the file).
    pub monitoring: Vec<MonitoringCategory>,
    /// What a service provider's roster lists and shows (`roster.yaml`; none without the file).
    pub roster: Option<ServiceRoster>,
    /// The registry's illnesses the rules count as serious (`illnesses.yaml`; none without
    /// the file). [`inputs::member_values`] reads them.
    pub serious_illnesses: minsheng_core::registry::IllnessSet,
    /// Scored instruments (`scales/<code>.yaml`), by code.
    pub scales: Vec<scale::Scale>,
    /// Service lists (`services/<code>.yaml`), by code.
    pub service_lists: Vec<services::ServiceList>,
    /// Inspection checklists (`checklists/<code>.yaml`), by code.
    pub checklists: Vec<checklists::Checklist>,
    /// SHA-256 of every file the policy was loaded from: a payment cycle records it, so an
    /// explanation later can tell whether the rules are still the ones it was paid under.
    pub digest: String,
}

/// Files of a policy, relative path → text (read from disk by [`Policy::load`], or given).
pub type Files = Vec<(String, String)>;

/// A policy file's top-level mapping, or a diagnostic: not YAML, or `what` it should be.
pub(crate) fn yaml_mapping(
    file: &str,
    text: &str,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<marked_yaml::types::MarkedMappingNode> {
    match marked_yaml::parse_yaml(0, text) {
        Ok(marked_yaml::Node::Mapping(map)) => Some(map),
        Ok(_) => {
            diagnostics.push(Location::unknown(file), what);
            None
        }
        Err(e) => {
            diagnostics.push(Location::unknown(file), format!("not valid YAML: {e}"));
            None
        }
    }
}

/// Whether `code` is a catalog code: not empty, lower-case ASCII letters, digits and '_'.
pub(crate) fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A policy file read into `T` (serde), or a diagnostic at the place the file stops fitting.
pub(crate) fn typed_yaml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    diagnostics: &mut Diagnostics,
) -> Option<T> {
    match marked_yaml::from_yaml(0, text) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            let marker = match &e {
                marked_yaml::FromYamlError::FromNode(n) => n.start_mark(),
                marked_yaml::FromYamlError::ParseYaml(_) => None,
            };
            diagnostics.push(Location::of(file, marker.as_ref()), e.to_string());
            None
        }
    }
}

/// `illnesses.yaml`: `serious:` lists the registry's illness codes the rules count as serious.
fn read_serious_illnesses(
    file: &str,
    text: &str,
    diagnostics: &mut Diagnostics,
) -> minsheng_core::registry::IllnessSet {
    use minsheng_core::registry::{Illness, IllnessSet};
    let mut set = IllnessSet::default();
    let Some(map) = yaml_mapping(
        file,
        text,
        "illnesses.yaml has a 'serious' list",
        diagnostics,
    ) else {
        return set;
    };
    for (key, node) in map.iter() {
        if key.as_str() != "serious" {
            diagnostics.push(
                Location::of(file, node.span().start()),
                format!("unknown field '{}' (known: serious)", key.as_str()),
            );
        }
    }
    let Some(list) = map.get_sequence("serious") else {
        diagnostics.push(
            Location::unknown(file),
            "'serious' is missing: a list of illness codes",
        );
        return set;
    };
    for item in list.iter() {
        let at = Location::of(file, item.span().start());
        match item.as_scalar().map(|s| s.as_str().trim()) {
            Some(code) => match Illness::ALL.iter().find(|i| i.as_str() == code) {
                Some(illness) => set.insert(*illness),
                None => diagnostics.push(
                    at,
                    format!(
                        "'{code}' is not an illness code of the registry ({})",
                        Illness::ALL
                            .iter()
                            .map(|i| i.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            },
            None => diagnostics.push(at, "an illness code is a plain word"),
        }
    }
    set
}

pub(crate) fn read_tree(root: &Path, dir: &Path, out: &mut Files, diagnostics: &mut Diagnostics) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            diagnostics.push(
                Location::unknown(&dir.display().to_string()),
                format!("cannot read: {e}"),
            );
            return;
        }
    };
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, out, diagnostics);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push((name, text)),
                Err(e) => diagnostics.push(Location::unknown(&name), format!("cannot read: {e}")),
            }
        }
    }
}

/// The optional file of paid programs at a policy's root.
pub const PROGRAMS_FILE: &str = "programs.yaml";
pub const MONITORING_FILE: &str = "monitoring.yaml";
pub const ROSTER_FILE: &str = "roster.yaml";
pub const ILLNESSES_FILE: &str = "illnesses.yaml";
/// The optional folder of scored instruments, one `<code>.yaml` each.
pub const SCALES_DIR: &str = "scales";
/// The optional folder of service lists, one `<code>.yaml` each.
pub const SERVICES_DIR: &str = "services";
/// The optional folder of inspection checklists, one `<code>.yaml` each.
pub const CHECKLISTS_DIR: &str = "checklists";

/// SHA-256 over every file's name and text, in name order, each length-prefixed.
fn digest(files: &Files) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort();
    let mut hash = Sha256::new();
    for (name, text) in sorted {
        for part in [name.as_bytes(), text.as_bytes()] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Policy {
    /// A whole-number parameter (days, months, years of age) in force on `on`.
    pub fn count(&self, key: &str, on: NaiveDate) -> Option<u32> {
        match self.parameters.leaves.get(key)?.at(on)?.value? {
            Value::Int(n) => u32::try_from(n).ok(),
            _ => None,
        }
    }

    /// A money parameter (a threshold, a standard) in force on `on`.
    pub fn money(&self, key: &str, on: NaiveDate) -> Option<minsheng_core::Fen> {
        match self.parameters.leaves.get(key)?.at(on)?.value? {
            Value::Money(f) => Some(f),
            _ => None,
        }
    }

    /// The low-income category with code `code`.
    pub fn monitoring_category(&self, code: &str) -> Option<&MonitoringCategory> {
        self.monitoring.iter().find(|c| c.code == code)
    }

    /// The program paid under `code`.
    pub fn program(&self, code: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.code == code)
    }

    /// A program's name for people; its code for a program the catalog no longer has (an old
    /// enrolment's, say).
    pub fn program_label<'a>(&'a self, code: &'a str) -> &'a str {
        self.program(code).map_or(code, |p| p.label.as_str())
    }

    /// The rule text that forbids one person `a` and `b` together, if the catalog declares
    /// it on either side.
    pub fn exclusion(&self, a: &str, b: &str) -> Option<&str> {
        let declared = |on: &str, other: &str| {
            self.program(on)?
                .excludes
                .iter()
                .find(|r| r.program == other)
                .map(|r| r.reference.as_str())
        };
        declared(a, b).or_else(|| declared(b, a))
    }

    /// Loads the policy in `root` (with `parameters/` and `variables/`).
    pub fn load(root: &Path) -> Result<Policy, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let mut files = Files::new();
        for part in ["parameters", "variables"] {
            let dir = root.join(part);
            if dir.is_dir() {
                read_tree(root, &dir, &mut files, &mut diagnostics);
            } else {
                diagnostics.push(
                    Location::unknown(&dir.display().to_string()),
                    format!("a policy needs a '{part}' folder"),
                );
            }
        }
        for optional in [SCALES_DIR, SERVICES_DIR, CHECKLISTS_DIR] {
            let dir = root.join(optional);
            if dir.is_dir() {
                read_tree(root, &dir, &mut files, &mut diagnostics);
            }
        }
        for name in [
            PROGRAMS_FILE,
            MONITORING_FILE,
            ROSTER_FILE,
            ILLNESSES_FILE,
            entities::ENTITIES_FILE,
        ] {
            let path = root.join(name);
            if path.is_file() {
                match std::fs::read_to_string(&path) {
                    Ok(text) => files.push((name.to_string(), text)),
                    Err(e) => {
                        diagnostics.push(Location::unknown(name), format!("cannot read: {e}"))
                    }
                }
            }
        }
        if !diagnostics.0.is_empty() {
            return Err(diagnostics);
        }
        Policy::from_files(root, &files)
    }

    pub fn from_files(root: &Path, files: &Files) -> Result<Policy, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let mut parameters = Parameters::default();
        let mut definitions = Vec::new();
        let mut scales = Vec::new();
        let mut checklists = Vec::new();
        let entities = match files
            .iter()
            .find(|(name, _)| name == entities::ENTITIES_FILE)
        {
            Some((name, text)) => entities::Entities::read(name, text, &mut diagnostics)
                .unwrap_or_else(entities::Entities::registry),
            None => entities::Entities::registry(),
        };
        for (name, text) in files {
            let unix = name.replace('\\', "/");
            if let Some(rest) = unix.strip_prefix("parameters/") {
                let prefix = rest
                    .trim_end_matches(".yaml")
                    .trim_end_matches(".yml")
                    .replace('/', ".");
                parameters.load_file(name, &prefix, text, &mut diagnostics);
            } else if unix.starts_with("variables/") {
                definitions.extend(rules::read_definitions(
                    name,
                    text,
                    &entities,
                    &mut diagnostics,
                ));
            } else if let Some(rest) = unix.strip_prefix("scales/") {
                let code = rest.trim_end_matches(".yaml").trim_end_matches(".yml");
                scales.extend(scale::read(name, code, text, &mut diagnostics));
            } else if let Some(rest) = unix.strip_prefix("checklists/") {
                let code = rest.trim_end_matches(".yaml").trim_end_matches(".yml");
                checklists.extend(checklists::read(name, code, text, &mut diagnostics));
            }
        }
        let inputs = entities.member_inputs.clone();
        let mut by_name: HashMap<String, VarId> = HashMap::new();
        let mut scope_vars = HashMap::new();
        for (id, d) in definitions.iter().enumerate() {
            let v = &d.variable;
            if (inputs.iter().chain(&entities.group_inputs)).any(|i| i.name == v.name) {
                let from = if entities.registry {
                    "read from the registry"
                } else {
                    "declared in entities.yaml"
                };
                diagnostics.push(
                    v.location.clone(),
                    format!("{} is an input {from}; choose another name", v.name),
                );
            }
            if let Some(other) = by_name
                .insert(v.name.clone(), id)
                .and_then(|first| definitions.get(first))
                .map(|first| &first.variable.location)
            {
                diagnostics.push(
                    v.location.clone(),
                    format!("{} is already defined at {other}", v.name),
                );
            }
            scope_vars.insert(
                v.name.clone(),
                (id, v.entity, v.ty.clone(), v.label.clone()),
            );
        }
        let scope = rules::Scope {
            entities: &entities,
            parameters: &parameters,
            variables: &scope_vars,
        };
        let mut variables = Vec::new();
        for d in &definitions {
            let mut v = d.variable.clone();
            let mut checker = rules::Checker {
                scope: &scope,
                diagnostics: &mut diagnostics,
            };
            for (since, pending) in &d.pending {
                if let Some(rule) = checker.rule(pending, &v) {
                    v.formulas.push(rules::Formula {
                        since: *since,
                        rule,
                    });
                }
            }
            variables.push(v);
        }
        detect_cycles(&variables, &mut diagnostics);
        // The catalog's top-level files, each read once it is known what it may name.
        let file = |wanted: &str| {
            files
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(name, text)| (name.as_str(), text.as_str()))
        };
        let d = &mut diagnostics;
        let programs: Vec<Program> = file(PROGRAMS_FILE)
            .map(|(name, text)| programs::read(name, text, &variables, &by_name, &parameters, d))
            .unwrap_or_default();
        let monitoring = file(MONITORING_FILE)
            .map(|(name, text)| monitoring::read(name, text, &variables, &by_name, &programs, d))
            .unwrap_or_default();
        let roster = file(ROSTER_FILE).and_then(|(name, text)| {
            roster::read(name, text, &variables, &by_name, &parameters, d)
        });
        let serious_illnesses = file(ILLNESSES_FILE)
            .map(|(name, text)| read_serious_illnesses(name, text, d))
            .unwrap_or_default();
        let service_lists: Vec<services::ServiceList> = files
            .iter()
            .filter_map(|(name, text)| {
                let unix = name.replace('\\', "/");
                let rest = unix.strip_prefix("services/")?;
                let code = rest.trim_end_matches(".yaml").trim_end_matches(".yml");
                services::read(name, code, text, &variables, &by_name, d)
            })
            .collect();
        check_references(&parameters, &variables, &programs, d);
        if let Some(ability) = scales.iter().find(|s| s.code == scale::ABILITY) {
            scale::check_registry_levels(ability, d);
        }
        if !diagnostics.0.is_empty() {
            return Err(diagnostics);
        }
        Ok(Policy {
            root: root.to_path_buf(),
            parameters,
            variables,
            by_name,
            inputs,
            entities,
            programs,
            monitoring,
            roster,
            serious_illnesses,
            scales,
            service_lists,
            checklists,
            digest: digest(files),
        })
    }

    /// The scored instrument `code` (`scales/<code>.yaml`).
    pub fn scale(&self, code: &str) -> Option<&scale::Scale> {
        self.scales.iter().find(|s| s.code == code)
    }

    /// The inspection checklist `code` (`checklists/<code>.yaml`).
    pub fn checklist(&self, code: &str) -> Option<&checklists::Checklist> {
        self.checklists.iter().find(|c| c.code == code)
    }

    /// The service list `code` (`services/<code>.yaml`).
    pub fn service_list(&self, code: &str) -> Option<&services::ServiceList> {
        self.service_lists.iter().find(|l| l.code == code)
    }

    pub fn variable(&self, name: &str) -> Option<VarId> {
        self.by_name.get(name).copied()
    }

    /// The days in `after < day <= until` on which a parameter value or a formula takes
    /// effect, in order: between two of them every rule reads the same, so a batch of many
    /// dates runs once per stretch.
    pub fn changes_between(&self, after: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
        let brackets = (self.parameters.scales.values()).flatten();
        let parameters = (self.parameters.leaves.values())
            .chain(brackets.flat_map(|b| [&b.threshold, &b.rate]))
            .flat_map(|p| p.values.iter().map(|d| d.since));
        let formulas = (self.variables.iter()).flat_map(|v| v.formulas.iter().map(|f| f.since));
        let days: std::collections::BTreeSet<NaiveDate> = parameters
            .chain(formulas)
            .filter(|d| *d > after && *d <= until)
            .collect();
        days.into_iter().collect()
    }

    /// A reform: this policy with parameters changed from `from` on. Each change is
    /// `name=value` (in the parameter's unit, e.g. `dibao.standard.urban=1100`) or
    /// `name=+5%` / `name=-3%` (the value in force, scaled; money rounds to the fen).
    pub fn with_changes(&self, changes: &[String], from: NaiveDate) -> Result<Policy, String> {
        let mut reform = self.clone();
        for change in changes {
            let (name, text) = change
                .split_once('=')
                .ok_or_else(|| format!("'{change}': expected NAME=VALUE or NAME=+5%"))?;
            let (name, text) = (name.trim().trim_start_matches("p."), text.trim());
            let parameter = reform
                .parameters
                .leaves
                .get_mut(name)
                .ok_or_else(|| format!("'{name}' is not a parameter"))?;
            let value = match text.strip_suffix('%') {
                Some(percent) => {
                    let current = parameter.at(from).and_then(|d| d.value).ok_or_else(|| {
                        format!("{name} has no value on {from} to change by {text}")
                    })?;
                    let factor = value::Number::parse(percent.trim_start_matches('+'))
                        .ok_or_else(|| format!("'{text}' is not a percentage"))?;
                    let hundred = value::Number::from_int(100);
                    let scale = value::Value::Number(value::Number(hundred.0 + factor.0));
                    let product = eval::arithmetic(syntax::BinOp::Mul, current, scale)
                        .ok_or_else(|| format!("{name} overflows"))?;
                    eval::arithmetic(syntax::BinOp::Div, product, value::Value::Int(100))
                        .map(|v| match (v, &parameter.ty) {
                            (value::Value::Number(n), Type::Int) => {
                                value::Value::Int(n.0 / value::Number::SCALE)
                            }
                            _ => v,
                        })
                        .ok_or_else(|| format!("{name} overflows"))?
                }
                None => Value::parse(&parameter.ty, text)
                    .ok_or_else(|| format!("'{text}' is not a {} for {name}", parameter.ty))?,
            };
            parameter.values.retain(|d| d.since < from);
            parameter.values.push(parameters::Dated {
                since: from,
                value: Some(value),
                reference: format!("reform under study: {change}"),
                placeholder: false,
            });
        }
        Ok(reform)
    }

    /// The programs (`program: true`), or when none is marked, the outputs.
    pub fn programs(&self) -> Vec<VarId> {
        let marked: Vec<VarId> = (self.variables.iter().enumerate())
            .filter(|(_, v)| v.program)
            .map(|(id, _)| id)
            .collect();
        if marked.is_empty() {
            self.outputs()
        } else {
            marked
        }
    }

    /// The variables no other variable uses: what the catalog finally decides (amounts,
    /// statuses). Computing them computes everything.
    pub fn outputs(&self) -> Vec<VarId> {
        let mut used = vec![false; self.variables.len()];
        for v in &self.variables {
            for id in v.dependencies() {
                if let Some(used) = used.get_mut(id) {
                    *used = true;
                }
            }
        }
        (used.iter().enumerate())
            .filter(|(_, used)| !**used)
            .map(|(id, _)| id)
            .collect()
    }

    /// Which inputs computing `wanted` reads, directly or through other variables (by input
    /// position): a population for those variables needs only these columns.
    pub fn inputs_read_by(&self, wanted: &[VarId]) -> Vec<bool> {
        let mut read = vec![false; self.inputs.len()];
        let mut seen = vec![false; self.variables.len()];
        let mut stack = wanted.to_vec();
        while let Some(id) = stack.pop() {
            let (Some(seen), Some(variable)) = (seen.get_mut(id), self.variables.get(id)) else {
                continue;
            };
            if std::mem::replace(seen, true) {
                continue;
            }
            for input in variable.inputs() {
                if let Some(read) = read.get_mut(input) {
                    *read = true;
                }
            }
            stack.extend(variable.dependencies());
        }
        read
    }
}

/// The word of `reference` that names a file, if one does. A reference cites a document by
/// title, number and article, so that a policy officer can follow it without this repository;
/// a path means nothing to them, and nothing once the file moves.
pub fn file_cited(reference: &str) -> Option<&str> {
    const EXTENSIONS: [&str; 8] = [
        ".md", ".yaml", ".yml", ".csv", ".txt", ".json", ".rs", ".toml",
    ];
    reference
        .split(|c: char| c.is_whitespace() || "()（）,，;；:：\"'「」《》、。".contains(c))
        .find(|word| {
            let lower = word.to_ascii_lowercase();
            lower.contains("shared/")
                || lower.contains("seeds/")
                || lower.starts_with("../")
                || lower.starts_with("./")
                || EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
        })
}

/// Every reference of every parameter value, variable, exception and program cites a
/// document, not a file.
fn check_references(
    parameters: &Parameters,
    variables: &[Variable],
    programs: &[Program],
    diagnostics: &mut Diagnostics,
) {
    let mut check = |reference: &str, at: &Location, what: &str| {
        if let Some(path) = file_cited(reference) {
            diagnostics.push(
                at.clone(),
                format!("{what}: the reference names a file ({path}); cite the document by title, number and article"),
            );
        }
    };
    for (name, p) in &parameters.leaves {
        for dated in &p.values {
            check(
                &dated.reference,
                &p.location,
                &format!("{name} from {}", dated.since),
            );
        }
    }
    for v in variables {
        check(&v.reference, &v.location, &v.name);
        for formula in &v.formulas {
            if let rules::Rule::Default { exceptions, .. } = &formula.rule {
                for e in exceptions {
                    check(
                        &e.reference,
                        &v.location,
                        &format!("{} ({})", v.name, e.label),
                    );
                }
            }
        }
    }
    let programs_file = Location::unknown(PROGRAMS_FILE);
    for p in programs {
        check(&p.reference, &programs_file, &p.code);
        for r in p.excludes.iter().chain(&p.tops_up) {
            check(
                &r.reference,
                &programs_file,
                &format!("{} ↔ {}", p.code, r.program),
            );
        }
    }
}

/// A variable that needs itself (through any chain) can never be computed.
fn detect_cycles(variables: &[Variable], diagnostics: &mut Diagnostics) {
    let deps: Vec<Vec<VarId>> = variables.iter().map(Variable::dependencies).collect();
    // 0 = unvisited, 1 = on the path, 2 = done.
    let mut state = vec![0u8; variables.len()];
    fn set(state: &mut [u8], v: VarId, mark: u8) {
        if let Some(state) = state.get_mut(v) {
            *state = mark;
        }
    }
    fn visit(
        v: VarId,
        deps: &[Vec<VarId>],
        state: &mut [u8],
        path: &mut Vec<VarId>,
    ) -> Option<Vec<VarId>> {
        let (Some(mark), Some(needs)) = (state.get(v).copied(), deps.get(v)) else {
            return None;
        };
        match mark {
            2 => return None,
            1 => {
                let start = path.iter().position(|p| *p == v).unwrap_or(0);
                let mut cycle = path.split_off(start);
                cycle.push(v);
                return Some(cycle);
            }
            _ => {}
        }
        set(state, v, 1);
        path.push(v);
        for d in needs {
            if let Some(c) = visit(*d, deps, state, path) {
                return Some(c);
            }
        }
        path.pop();
        set(state, v, 2);
        None
    }
    for v in 0..variables.len() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(v, &deps, &mut state, &mut path) {
            let on_it: Vec<&Variable> = cycle.iter().filter_map(|i| variables.get(*i)).collect();
            let names: Vec<&str> = on_it.iter().map(|v| v.name.as_str()).collect();
            if let Some(first) = on_it.first() {
                diagnostics.push(
                    first.location.clone(),
                    format!("a cycle: {}", names.join(" → ")),
                );
            }
            for id in cycle {
                set(&mut state, id, 2);
            }
        }
    }
}
