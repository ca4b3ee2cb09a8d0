//! The values rules compute with. Money is integer fen; fractional numbers are fixed-point with
//! four decimals. Nothing is ever a float, so every result is exact and repeatable.

use std::fmt;

use minsheng_core::Fen;

/// Fixed point with four decimals: `Number(15_000)` is 1.5. Enough for every rate and factor
/// in the catalog (65%, 1.5×, 1.3×), and exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(pub i64);

impl Number {
    pub const SCALE: i64 = 10_000;

    pub fn from_int(n: i64) -> Number {
        Number(n.saturating_mul(Number::SCALE))
    }

    /// Parses decimal text exactly ("1.5", "0.65", "-2"); more than four decimals is an error.
    pub fn parse(text: &str) -> Option<Number> {
        let (scaled, decimals) = parse_decimal(text, 4)?;
        Some(Number(scaled * 10i64.pow(4 - decimals)))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / 10_000, abs % 10_000);
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let frac = format!("{frac:04}");
        write!(f, "{sign}{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// Parses `[-]digits[.digits]` with at most `max_decimals` decimals into (integer, decimals).
pub(crate) fn parse_decimal(text: &str, max_decimals: u32) -> Option<(i64, u32)> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() as u32 > max_decimals {
        return None;
    }
    if digits.ends_with('.') {
        return None;
    }
    let mut n: i64 = 0;
    for b in whole.bytes().chain(frac.bytes()) {
        n = n.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some((if negative { -n } else { n }, frac.len() as u32))
}

/// Divides rounding half away from zero: the rounding of amounts paid, made explicit.
pub fn div_round(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator == 0 {
        return None;
    }
    let q = numerator / denominator;
    let r = numerator % denominator;
    let away = (r.abs() * 2 >= denominator.abs()) as i128;
    let sign = if (numerator < 0) != (denominator < 0) {
        -1
    } else {
        1
    };
    Some(if r == 0 { q } else { q + sign * away })
}

/// The type of an expression or a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Int,
    Number,
    Money,
    /// A coded value from a fixed list (hukou, disability category …), by the list's name.
    Enum(&'static EnumType),
}

impl Type {
    pub fn parse(text: &str) -> Option<Type> {
        Some(match text {
            "bool" => Type::Bool,
            "int" => Type::Int,
            "number" => Type::Number,
            "money" => Type::Money,
            other => Type::Enum(crate::inputs::enum_type(other)?),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Number => "number",
            Type::Money => "money",
            Type::Enum(e) => e.name,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Number)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A list of codes, as the registry defines them.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EnumType {
    pub name: &'static str,
    pub variants: &'static [&'static str],
}

impl EnumType {
    pub fn index_of(&self, code: &str) -> Option<u16> {
        self.variants
            .iter()
            .position(|v| *v == code)
            .map(|i| i as u16)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Number(Number),
    Money(Fen),
    /// The position of the code in its list.
    Enum(&'static EnumType, u16),
}

impl Value {
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Parses a value of type `ty` from file text: money in yuan with at most two decimals.
    pub fn parse(ty: &Type, text: &str) -> Option<Value> {
        Some(match ty {
            Type::Bool => Value::Bool(match text.trim() {
                "true" | "yes" | "是" => true,
                "false" | "no" | "否" => false,
                _ => return None,
            }),
            Type::Int => Value::Int(text.trim().parse().ok()?),
            Type::Number => Value::Number(Number::parse(text)?),
            Type::Money => Value::Money(Fen::parse_yuan(text.trim()).ok()?),
            Type::Enum(e) => Value::Enum(e, e.index_of(text.trim())?),
        })
    }

    pub fn to_json(self) -> serde_json::Value {
        match self {
            Value::Bool(b) => b.into(),
            Value::Int(i) => i.into(),
            Value::Number(n) => n.to_string().into(),
            Value::Money(m) => m.to_string().into(),
            Value::Enum(e, i) => e
                .variants
                .get(usize::from(i))
                .copied()
                .unwrap_or("?")
                .into(),
        }
    }
}

/// As [`Value::to_json`] gives it, written straight into a serializer.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Value::Bool(b) => serializer.serialize_bool(b),
            Value::Int(i) => serializer.serialize_i64(i),
            Value::Number(n) => serializer.collect_str(&n),
            Value::Money(m) => serializer.collect_str(&m),
            Value::Enum(e, i) => {
                serializer.serialize_str(e.variants.get(usize::from(i)).copied().unwrap_or("?"))
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(true) => f.write_str("是"),
            Value::Bool(false) => f.write_str("否"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Money(m) => write!(f, "{} 元", m.grouped()),
            Value::Enum(e, i) => {
                f.write_str(e.variants.get(usize::from(*i)).copied().unwrap_or("?"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_exact_decimals() {
        assert_eq!(Number::parse("1.5"), Some(Number(15_000)));
        assert_eq!(Number::parse("0.65"), Some(Number(6_500)));
        assert_eq!(Number::parse("-2"), Some(Number(-20_000)));
        assert_eq!(Number::parse("0.00001"), None);
        assert_eq!(Number::parse("1."), None);
        assert_eq!(Number::parse("x"), None);
        assert_eq!(Number(15_000).to_string(), "1.5");
        assert_eq!(Number(-6_500).to_string(), "-0.65");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 2), Some(3));
        assert_eq!(div_round(-5, 2), Some(-3));
        assert_eq!(div_round(4, 3), Some(1));
        assert_eq!(div_round(5, 3), Some(2));
        assert_eq!(div_round(1, 0), None);
    }
}
