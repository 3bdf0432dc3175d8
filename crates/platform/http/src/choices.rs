//! Long pick lists (the province's communes, its ~140 agencies) as grouped options: each group
//! in Vietnamese order by the proper name, so that a person without JavaScript finds "Xã Yên
//! Sơn" under "Xã" near the end rather than as option 109 of one list in code order.

use crate::state::AppState;
use crate::views::Choice;
use tinhso_kernel::province::{Agency, AgencyKind, AgencyLevel, DivisionType};
use tinhso_kernel::text::vi_key;

pub struct ChoiceGroup {
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

/// The province's communes, wards and special zones valid today, each kind a group ordered by
/// the name after its prefix ("Xã Bạch Xa" under B).
pub fn communes(state: &AppState) -> Vec<ChoiceGroup> {
    let groups =
        [(DivisionType::Ward, "Phường"), (DivisionType::Commune, "Xã"), (DivisionType::SpecialZone, "Đặc khu")];
    groups
        .into_iter()
        .map(|(kind, label)| {
            let mut units: Vec<_> = state.units.iter().filter(|u| u.division_type == kind).collect();
            units.sort_by_cached_key(|u| vi_key(proper_name(&u.name, label)));
            let choices = units
                .iter()
                .map(|u| Choice { value: u.code.to_string(), label: u.name.clone(), selected: false })
                .collect();
            ChoiceGroup { label, choices }
        })
        .filter(|g| !g.choices.is_empty())
        .collect()
}

/// The agencies `keep` accepts, grouped by tier: the province's bodies, its service centres,
/// the communes' people's committees; `selected` is chosen.
pub fn agencies(state: &AppState, keep: impl Fn(&Agency) -> bool, selected: &str) -> Vec<ChoiceGroup> {
    let tier = |a: &Agency| match (a.level, a.kind) {
        (_, AgencyKind::ServiceCentre) => 1,
        (AgencyLevel::Province, _) => 0,
        (AgencyLevel::Commune, _) => 2,
    };
    let labels = ["Cơ quan cấp tỉnh", "Trung tâm Phục vụ hành chính công", "Cấp xã"];
    // `state.agencies` is already in Vietnamese order.
    labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| ChoiceGroup {
            label,
            choices: state
                .agencies
                .iter()
                .filter(|a| tier(a) == i && keep(a))
                .map(|a| Choice {
                    value: a.code.to_string(),
                    label: a.name.clone(),
                    selected: a.code.as_str() == selected,
                })
                .collect(),
        })
        .filter(|g| !g.choices.is_empty())
        .collect()
}

/// "Xã Yên Sơn" -> "Yên Sơn" under the group "Xã"; names without the prefix stay whole.
fn proper_name<'a>(name: &'a str, prefix: &str) -> &'a str {
    name.strip_prefix(prefix).map(str::trim_start).filter(|n| !n.is_empty()).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::proper_name;

    #[test]
    fn the_prefix_is_left_out_of_the_order() {
        assert_eq!(proper_name("Xã Yên Sơn", "Xã"), "Yên Sơn");
        assert_eq!(proper_name("Phường Minh Xuân", "Phường"), "Minh Xuân");
        assert_eq!(proper_name("Xã", "Xã"), "Xã");
        assert_eq!(proper_name("Thị trấn Na Hang", "Xã"), "Thị trấn Na Hang");
    }
}
