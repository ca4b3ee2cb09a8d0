//! Family mutual aid of the employees' personal account (个人账户家庭共济): an employee binds a
//! spouse, parent or child — as the registry records them — whose costs at designated
//! hospitals the account may then pay, and their residents' insurance being without an account
//! of its own, a claim of theirs that asks to use an account draws on the employee's, locked in
//! the claim's transaction (国务院办公厅《关于建立健全职工基本医疗保险门诊共济保障机制的指导
//! 意见》, 国办发〔2021〕14号, 第三条). The employee binds at any office or themself, and ends a
//! binding the same way; each act is audited.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_app::Clock;
use minsheng_core::access::{Account, Role};
use minsheng_core::registry::Relation;
use minsheng_core::{FieldError, IdNumber};
use minsheng_store::{NewAuditEntry, Store};

use crate::domain::{codes, Scheme};
use crate::settlement::ClaimError;
use crate::storage::MedicalStore as _;

codes!(
    /// The bound person, as the employee's.
    Kin, "共济亲属关系" {
        Spouse => "spouse", "配偶";
        Parent => "parent", "父母";
        Child => "child", "子女";
    }
);

/// What the relative is to the holder, from what each is to their household's head, when both
/// live in one household: spouse, parent or child, or nothing the registry proves.
pub fn kin(holder: Relation, relative: Relation) -> Option<Kin> {
    use Relation::{Child, Head, Parent, Spouse};
    match (holder, relative) {
        (Head, Spouse) | (Spouse, Head) => Some(Kin::Spouse),
        (Head, Child) | (Spouse, Child) => Some(Kin::Child),
        (Head, Parent) | (Child, Head) | (Child, Spouse) => Some(Kin::Parent),
        (Parent, Head) => Some(Kin::Child),
        _ => None,
    }
}

/// A binding on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub id: i64,
    pub holder_id: i64,
    pub relative_id: i64,
    pub kin: Kin,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// A person as a binding needs them: who, where they live in the registry, and their cover
/// today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub person_id: i64,
    pub household_id: i64,
    pub relation: Relation,
    pub scheme: Option<Scheme>,
}

fn may_act(who: &Account, holder: &IdNumber) -> bool {
    match who {
        Account::Resident { id_number, .. } => id_number == holder,
        Account::Staff(s) => s.role != Role::Provider,
    }
}

/// Binds `relative` to `holder`'s account from today, with its audit entry: the holder
/// themself or any office's staff (市域通办). Refused with the field, nothing filed: a holder
/// who is not a current resident covered today in the employees' scheme (`holder_id_number`),
/// a relative who is not a resident, is the holder, or is not the holder's spouse, parent or
/// child in the registry's household (`relative_id_number`), a relative bound to an account
/// already (`relative_id_number`), someone else's resident account or a service provider
/// (`actor`).
pub async fn bind(
    store: &Store,
    who: &Account,
    holder: &IdNumber,
    relative: &IdNumber,
    clock: Clock,
) -> Result<Binding, ClaimError> {
    if !may_act(who, holder) {
        return Err(ClaimError::field(
            "actor",
            "家庭共济由职工本人或医保经办窗口办理",
        ));
    }
    let medical = store.medical();
    let mut errors = Vec::new();
    let h = medical.member(holder, clock.today).await?;
    match &h {
        Some(m) if m.scheme == Some(Scheme::Employee) => {}
        Some(_) => errors.push(FieldError::new(
            "holder_id_number",
            format!(
                "{} 今天不在职工医保：家庭共济用的是职工的个人账户",
                holder.masked()
            ),
        )),
        None => errors.push(FieldError::new(
            "holder_id_number",
            format!("没有在册居民 {}", holder.masked()),
        )),
    }
    let r = medical.member(relative, clock.today).await?;
    let found = match (&h, &r) {
        (_, None) => {
            errors.push(FieldError::new(
                "relative_id_number",
                format!("没有在册居民 {}", relative.masked()),
            ));
            None
        }
        (_, Some(_)) if holder == relative => {
            errors.push(FieldError::new(
                "relative_id_number",
                "共济的是家人：不能绑定本人",
            ));
            None
        }
        (Some(h), Some(r)) => {
            let kin = (h.household_id == r.household_id)
                .then(|| kin(h.relation, r.relation))
                .flatten();
            if kin.is_none() {
                errors.push(FieldError::new(
                    "relative_id_number",
                    format!(
                        "登记簿中 {} 不是 {} 同户的配偶、父母或子女",
                        relative.masked(),
                        holder.masked()
                    ),
                ));
            }
            kin.map(|k| (h.person_id, r.person_id, k))
        }
        (None, Some(_)) => None,
    };
    let (Some((holder_id, relative_id, kin)), true) = (found, errors.is_empty()) else {
        return Err(ClaimError::Invalid(errors));
    };
    let binding = Binding {
        id: 0,
        holder_id,
        relative_id,
        kin,
        from: clock.today,
        to: None,
        recorded_at: clock.now,
        recorded_by: who.name().to_string(),
    };
    let audit = |id: i64| NewAuditEntry {
        actor: who.name().into(),
        action: "medical.family.bind".into(),
        subject: format!("person {holder_id}"),
        detail: format!(
            "家庭共济 {id}：{} 的个人账户绑定其{} {}，自 {}",
            holder.masked(),
            kin.label(),
            relative.masked(),
            clock.today
        ),
        at: clock.now,
    };
    match medical.bind(&binding, audit).await? {
        Ok(id) => Ok(Binding { id, ..binding }),
        Err(other) => Err(ClaimError::field(
            "relative_id_number",
            format!(
                "{} 已自 {} 绑定到另一职工的账户（共济 {}），须先解除",
                relative.masked(),
                other.from,
                other.id
            ),
        )),
    }
}

/// Ends a binding today (the claims of today still draw on it): the holder themself or any
/// office's staff. Refused: unknown or ended (`binding`).
pub async fn end(
    store: &Store,
    who: &Account,
    id: i64,
    clock: Clock,
) -> Result<Binding, ClaimError> {
    let medical = store.medical();
    let Some(b) = medical.binding(id).await? else {
        return Err(ClaimError::field("binding", format!("没有家庭共济 {id}")));
    };
    let holder = medical.id_number_of(b.holder_id).await?;
    if !holder.as_ref().is_some_and(|h| may_act(who, h)) {
        return Err(ClaimError::field(
            "actor",
            "家庭共济由职工本人或医保经办窗口解除",
        ));
    }
    if b.to.is_some() {
        return Err(ClaimError::field(
            "binding",
            format!("家庭共济 {id} 已于 {} 解除", b.to.unwrap_or(b.from)),
        ));
    }
    let audit = NewAuditEntry {
        actor: who.name().into(),
        action: "medical.family.end".into(),
        subject: format!("person {}", b.holder_id),
        detail: format!("家庭共济 {id} 止于 {}", clock.today),
        at: clock.now,
    };
    if !medical.end_binding(id, clock.today, audit).await? {
        return Err(ClaimError::field(
            "binding",
            format!("家庭共济 {id} 已解除"),
        ));
    }
    Ok(Binding {
        to: Some(clock.today),
        ..b
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::registry::Relation::*;

    #[test]
    fn kin_is_read_through_the_household_head() {
        assert_eq!(kin(Head, Spouse), Some(Kin::Spouse));
        assert_eq!(kin(Spouse, Head), Some(Kin::Spouse));
        assert_eq!(kin(Head, Child), Some(Kin::Child));
        assert_eq!(kin(Spouse, Child), Some(Kin::Child));
        assert_eq!(kin(Child, Head), Some(Kin::Parent));
        assert_eq!(kin(Child, Spouse), Some(Kin::Parent));
        assert_eq!(kin(Head, Parent), Some(Kin::Parent));
        assert_eq!(kin(Parent, Head), Some(Kin::Child));
        // Siblings, grandchildren, in-laws: not the account's family.
        assert_eq!(kin(Head, Sibling), None);
        assert_eq!(kin(Head, Grandchild), None);
        assert_eq!(kin(Child, Child), None);
        assert_eq!(kin(Spouse, Parent), None);
        assert_eq!(kin(Head, ChildInLaw), None);
    }
}
