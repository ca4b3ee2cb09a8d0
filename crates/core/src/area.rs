//! The area hierarchy 市 → 区(市) → 街道/镇 → 社区/村, with GB/T 2260-style codes extended the
//! way statistical area codes are: six digits for a city or district, nine for a street or town,
//! twelve for a community or village. A code's ancestors are its prefixes, so "is this record in
//! my area" is a string-prefix test that a database index can answer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// 市
    City,
    /// 区(市)
    District,
    /// 街道/镇
    Street,
    /// 社区/村
    Community,
}

impl AreaLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            AreaLevel::City => "市",
            AreaLevel::District => "区(市)",
            AreaLevel::Street => "街道/镇",
            AreaLevel::Community => "社区/村",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::City => "city",
            AreaLevel::District => "district",
            AreaLevel::Street => "street",
            AreaLevel::Community => "community",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」不是区域代码（市、区 6 位，街道 9 位，社区 12 位）")]
pub struct AreaCodeError(String);

impl AreaCode {
    pub fn parse(text: &str) -> Result<AreaCode, AreaCodeError> {
        let text = text.trim();
        let shape_ok = matches!(text.len(), 6 | 9 | 12) && text.bytes().all(|b| b.is_ascii_digit());
        if !shape_ok || text.ends_with("0000") && text.len() == 6 {
            return Err(AreaCodeError(text.to_string()));
        }
        Ok(AreaCode(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> AreaLevel {
        match self.0.len() {
            6 if self.0.ends_with("00") => AreaLevel::City,
            6 => AreaLevel::District,
            9 => AreaLevel::Street,
            _ => AreaLevel::Community,
        }
    }

    pub fn parent(&self) -> Option<AreaCode> {
        match self.level() {
            AreaLevel::City => None,
            AreaLevel::District => Some(AreaCode(format!("{}00", &self.0[..4]))),
            AreaLevel::Street => Some(AreaCode(self.0[..6].to_string())),
            AreaLevel::Community => Some(AreaCode(self.0[..9].to_string())),
        }
    }

    /// The district (区/市) this area belongs to, if it is at or below district level.
    pub fn district(&self) -> Option<AreaCode> {
        (self.level() != AreaLevel::City).then(|| AreaCode(self.0[..6].to_string()))
    }

    /// The prefix every code inside this area starts with.
    pub fn scope_prefix(&self) -> &str {
        match self.level() {
            AreaLevel::City => &self.0[..4],
            _ => &self.0,
        }
    }

    /// True when `self` is `area` or lies below it.
    pub fn is_within(&self, area: &AreaCode) -> bool {
        self.0.starts_with(area.scope_prefix())
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AreaCode {
    type Err = AreaCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AreaCode::parse(s)
    }
}

impl TryFrom<String> for AreaCode {
    type Error = AreaCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        AreaCode::parse(&value)
    }
}

impl From<AreaCode> for String {
    fn from(code: AreaCode) -> String {
        code.0
    }
}

/// One named area of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub code: AreaCode,
    pub name: String,
    /// Whether most residents hold urban hukou here (社区) or rural (村); used by the generator
    /// and shown to people, never used to decide a benefit (the person's own hukou does that).
    pub urban: bool,
}

impl Area {
    pub fn level(&self) -> AreaLevel {
        self.code.level()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_parents_follow_the_code() {
        let community = AreaCode::parse("370212001003").unwrap();
        assert_eq!(community.level(), AreaLevel::Community);
        let street = community.parent().unwrap();
        assert_eq!(street.as_str(), "370212001");
        let district = street.parent().unwrap();
        assert_eq!(
            (district.as_str(), district.level()),
            ("370212", AreaLevel::District)
        );
        let city = district.parent().unwrap();
        assert_eq!((city.as_str(), city.level()), ("370200", AreaLevel::City));
        assert_eq!(city.parent(), None);
    }

    #[test]
    fn containment_is_by_prefix() {
        let city = AreaCode::parse("370200").unwrap();
        let laoshan = AreaCode::parse("370212").unwrap();
        let shinan_street = AreaCode::parse("370202003").unwrap();
        let laoshan_community = AreaCode::parse("370212001003").unwrap();
        assert!(laoshan_community.is_within(&laoshan));
        assert!(laoshan_community.is_within(&city));
        assert!(laoshan.is_within(&laoshan));
        assert!(!shinan_street.is_within(&laoshan));
        assert!(!laoshan.is_within(&laoshan_community));
    }

    #[test]
    fn rejects_malformed_codes() {
        for bad in ["37020", "3702000", "37a200", "370000", "", "3702120010030"] {
            assert!(AreaCode::parse(bad).is_err(), "{bad}");
        }
    }
}
