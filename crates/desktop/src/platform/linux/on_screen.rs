//! The popups this process has on screen, by the server's id and by what
//! each is about (its target): a new popup about the same item replaces the
//! old one in place (`replaces_id`), reading the item withdraws it, and a
//! signal counts only for a popup shown here and a button it offered.

use std::collections::{HashMap, VecDeque};

use crate::models::Target;

/// Popups remembered. Servers send `NotificationClosed` for each popup,
/// but one that does not must not grow this without end.
pub const REMEMBERED: usize = 256;

/// One popup as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnScreen {
    pub target: Target,
    /// The action keys it offered (never `default`, which every popup has).
    pub keys: Vec<String>,
    pub summary: String,
    pub body: String,
    /// How many popups it stands for (messages of one conversation).
    pub count: usize,
}

#[derive(Debug, Default)]
pub struct Shown {
    by_id: HashMap<u32, OnScreen>,
    by_target: HashMap<Target, u32>,
    order: VecDeque<u32>,
}

impl Shown {
    /// The popup a new one about `target` replaces: only an item's own
    /// target (with an id), never a list ("3 new messages" of every kind).
    pub fn replaced(&self, target: &Target) -> Option<(u32, &OnScreen)> {
        target.id.as_ref()?;
        let id = *self.by_target.get(target)?;
        Some((id, self.by_id.get(&id)?))
    }

    pub fn insert(&mut self, id: u32, popup: OnScreen) {
        if popup.target.id.is_some() {
            if let Some(old) = self.by_target.insert(popup.target.clone(), id) {
                if old != id {
                    self.forget(old);
                }
            }
        }
        if self.by_id.insert(id, popup).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.forget(old);
            }
        }
    }

    pub fn get(&self, id: u32) -> Option<&OnScreen> {
        self.by_id.get(&id)
    }

    /// The popup about `target`, if one is on screen.
    pub fn id_for(&self, target: &Target) -> Option<u32> {
        self.by_target.get(target).copied()
    }

    /// Forgets a popup that closed (or was clicked, or withdrawn).
    pub fn take(&mut self, id: u32) -> Option<OnScreen> {
        let popup = self.by_id.remove(&id)?;
        self.order.retain(|k| *k != id);
        if self.by_target.get(&popup.target) == Some(&id) {
            self.by_target.remove(&popup.target);
        }
        Some(popup)
    }

    fn forget(&mut self, id: u32) {
        self.take(id);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::View;

    fn popup(target: Target) -> OnScreen {
        OnScreen {
            target,
            keys: vec!["mark-read".into()],
            summary: "s".into(),
            body: "b".into(),
            count: 1,
        }
    }

    #[test]
    fn remembers_a_bounded_number_of_popups() {
        let mut shown = Shown::default();
        for id in 0..(REMEMBERED as u32 + 10) {
            shown.insert(
                id,
                popup(Target::new(View::Notifications, Some(id.to_string()))),
            );
        }
        assert_eq!(shown.len(), REMEMBERED);
        assert_eq!(shown.by_target.len(), REMEMBERED);
        assert!(shown.take(0).is_none(), "the oldest was forgotten");
        assert!(shown.take(REMEMBERED as u32 + 9).is_some());
        assert!(shown.take(REMEMBERED as u32 + 9).is_none(), "taken once");
        assert_eq!(shown.order.len(), REMEMBERED - 1);
    }

    #[test]
    fn one_popup_per_item_and_none_for_a_list() {
        let mut shown = Shown::default();
        let c1 = Target::new(View::Messages, Some("c1".into()));
        shown.insert(7, popup(c1.clone()));
        assert_eq!(shown.replaced(&c1).map(|(id, _)| id), Some(7));
        // The server may give a replacement a new id: the old one is gone.
        shown.insert(9, popup(c1.clone()));
        assert!(shown.get(7).is_none());
        assert_eq!(shown.id_for(&c1), Some(9));
        let list = Target::new(View::Messages, None);
        shown.insert(10, popup(list.clone()));
        assert!(
            shown.replaced(&list).is_none(),
            "a summary replaces nothing"
        );
        assert_eq!(shown.take(9).map(|p| p.target), Some(c1.clone()));
        assert!(shown.id_for(&c1).is_none());
    }
}
