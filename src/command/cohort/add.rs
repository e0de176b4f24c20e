//! `add` lines (and the cohort part of `sync` lines): a cohort created, or updated with the
//! values that differ, in the context the line names; the user, if any, added as a member.

use std::collections::{HashMap, HashSet};

use super::{
    effect::Effect,
    line::CohortLine,
    plan::{CategoryRow, CohortChanges, CohortOp, CohortRef, NewCohort},
    planner::{CohortState, Planner, user_label},
    problem::Problem,
};
use crate::{
    command::refs::{CategoryRef, CohortIdentifier},
    error::{LineError, LineProblem},
    outcome::FieldChange,
};

/// A line's target context: its id and how the report names it.
struct Context {
    id: i64,
    label: String,
}

impl Planner<'_> {
    /// `add`: creates or updates the cohort, adds the user if one is given. Returns the
    /// cohort's state, the user's id and the effects.
    pub(super) fn upsert(
        &mut self,
        line: &CohortLine,
    ) -> Result<(usize, Option<i64>, Vec<Effect>), LineError> {
        // Check everything first: a failing line must change nothing.
        let found = self.find_cohort(&line.key)?;
        let user = line
            .user
            .as_deref()
            .map(|user| self.find_user(user))
            .transpose()?;
        let context = self.target_context(line)?;
        let mut effects = Vec::new();
        let index = match found {
            None => self.create(line, context, &mut effects)?,
            Some(index) => {
                let (changes, fields) = self.changes(index, line, context.as_ref())?;
                if !fields.is_empty() {
                    self.update_state(index, &changes);
                    effects.push(Effect::CohortUpdated {
                        cohort: self.cohorts[index].label(),
                        changes: fields,
                    });
                    self.ops.push(CohortOp::Update {
                        cohort: self.cohorts[index].reference,
                        changes,
                    });
                }
                index
            }
        };
        match user {
            Some(user) => {
                let cohort = &mut self.cohorts[index];
                let label = cohort.label();
                if cohort.members.insert(user.id) {
                    self.ops.push(CohortOp::AddMember {
                        cohort: cohort.reference,
                        user: user.id,
                    });
                    effects.push(Effect::MemberAdded {
                        user: user_label(user),
                        cohort: label,
                    });
                } else {
                    effects.push(Effect::AlreadyMember {
                        user: user_label(user),
                        cohort: label,
                    });
                }
            }
            None if effects.is_empty() => effects.push(Effect::CohortUnchanged {
                cohort: self.cohorts[index].label(),
            }),
            None => {}
        }
        Ok((index, user.map(|user| user.id), effects))
    }

    /// Creates the cohort `line` names, in `context` (the system's when it names none), when
    /// `[cohorts] create_missing` allows and the key is not an id. Returns its state.
    fn create(
        &mut self,
        line: &CohortLine,
        context: Option<Context>,
        effects: &mut Vec<Effect>,
    ) -> Result<usize, LineError> {
        let identifier = self.settings.cohort_identifier;
        if !self.settings.create_missing {
            return Err(LineError::in_column(
                self.key_column(),
                &line.key,
                Problem::CreationDisabled {
                    value: line.key.clone(),
                    by: identifier.name(),
                },
            ));
        }
        if identifier == CohortIdentifier::Id {
            return Err(LineError::in_column(
                "cid",
                &line.key,
                Problem::CannotCreateById {
                    value: line.key.clone(),
                },
            ));
        }
        let idnumber = match identifier {
            CohortIdentifier::Idnumber => Some(line.key.clone()),
            _ => line.idnumber.clone(),
        };
        if let Some(idnumber) = &idnumber {
            self.check_idnumber_free(idnumber, None)?;
        }
        let context = context.unwrap_or(Context {
            id: self.snapshot.system_context,
            label: "system".into(),
        });
        let cohort = NewCohort {
            contextid: context.id,
            name: line.name.clone().unwrap_or_else(|| line.key.clone()),
            idnumber,
            description: line.description.clone().unwrap_or_default(),
            visible: line.visible.unwrap_or(true),
            component: line.component.clone().unwrap_or_default(),
        };
        let slot = self.created;
        self.created += 1;
        let index = self.insert_state(CohortState {
            reference: CohortRef::New(slot),
            name: cohort.name.clone(),
            idnumber: cohort.idnumber.clone(),
            description: Some(cohort.description.clone()),
            contextid: cohort.contextid,
            visible: cohort.visible,
            component: cohort.component.clone(),
            members: HashSet::new(),
            bindings: 0,
            alive: true,
            lost_members: false,
        });
        effects.push(Effect::CohortCreated {
            cohort: self.cohorts[index].label(),
            context: context.label,
        });
        self.ops.push(CohortOp::Create { slot, cohort });
        Ok(index)
    }

    /// The changes a line asks of an existing cohort, checked, as ops and as report fields.
    fn changes(
        &self,
        index: usize,
        line: &CohortLine,
        context: Option<&Context>,
    ) -> Result<(CohortChanges, Vec<FieldChange>), LineError> {
        let cohort = &self.cohorts[index];
        let mut changes = CohortChanges::default();
        let mut fields = Vec::new();
        if let Some(name) = line.name.as_ref().filter(|name| **name != cohort.name) {
            fields.push(FieldChange {
                field: "name".into(),
                from: cohort.name.clone(),
                to: name.clone(),
            });
            changes.name = Some(name.clone());
        }
        if let Some(idnumber) = line
            .idnumber
            .as_ref()
            .filter(|idnumber| Some(*idnumber) != cohort.idnumber.as_ref())
        {
            self.check_idnumber_free(idnumber, Some(index))?;
            fields.push(FieldChange {
                field: "idnumber".into(),
                from: cohort.idnumber.clone().unwrap_or_default(),
                to: idnumber.clone(),
            });
            changes.idnumber = Some(idnumber.clone());
        }
        if let Some(description) = line
            .description
            .as_ref()
            .filter(|description| Some(*description) != cohort.description.as_ref())
        {
            fields.push(FieldChange {
                field: "description".into(),
                from: cohort.description.clone().unwrap_or_default(),
                to: description.clone(),
            });
            changes.description = Some(description.clone());
        }
        if let Some(context) = context.filter(|context| context.id != cohort.contextid) {
            fields.push(FieldChange {
                field: "contextid".into(),
                from: self.context_label(cohort.contextid),
                to: context.label.clone(),
            });
            changes.contextid = Some(context.id);
        }
        if let Some(visible) = line.visible.filter(|visible| *visible != cohort.visible) {
            fields.push(FieldChange {
                field: "visible".into(),
                from: u8::from(cohort.visible).to_string(),
                to: u8::from(visible).to_string(),
            });
            changes.visible = Some(visible);
        }
        if let Some(component) = line
            .component
            .as_ref()
            .filter(|component| **component != cohort.component)
        {
            fields.push(FieldChange {
                field: "component".into(),
                from: cohort.component.clone(),
                to: component.clone(),
            });
            changes.component = Some(component.clone());
        }
        Ok((changes, fields))
    }

    /// Applies `changes` to cohort `index` in the model, keeping the indexes true.
    fn update_state(&mut self, index: usize, changes: &CohortChanges) {
        if let Some(name) = &changes.name {
            let old = std::mem::replace(&mut self.cohorts[index].name, name.clone());
            remove_from(&mut self.by_name, &old, index);
            self.by_name.entry(name.clone()).or_default().push(index);
        }
        if let Some(idnumber) = &changes.idnumber {
            if let Some(old) = self.cohorts[index].idnumber.replace(idnumber.clone()) {
                remove_from(&mut self.by_idnumber, &old, index);
            }
            self.by_idnumber
                .entry(idnumber.clone())
                .or_default()
                .push(index);
        }
        let cohort = &mut self.cohorts[index];
        if let Some(description) = &changes.description {
            cohort.description = Some(description.clone());
        }
        if let Some(contextid) = changes.contextid {
            cohort.contextid = contextid;
        }
        if let Some(visible) = changes.visible {
            cohort.visible = visible;
        }
        if let Some(component) = &changes.component {
            cohort.component = component.clone();
        }
    }

    /// The context a line places its cohort in, if it names one.
    fn target_context(&self, line: &CohortLine) -> Result<Option<Context>, LineError> {
        let by_id = match &line.category {
            None => None,
            Some(CategoryRef::System) => Some(Context {
                id: self.snapshot.system_context,
                label: "system".into(),
            }),
            Some(CategoryRef::Id(id)) => {
                let found = self
                    .snapshot
                    .categories
                    .iter()
                    .find(|category| category.id == *id);
                match found
                    .and_then(|category| category.contextid.map(|context| (category, context)))
                {
                    Some((category, context)) => Some(Context {
                        id: context,
                        label: category_label(category),
                    }),
                    None => {
                        return Err(LineError::in_column(
                            "ccatcontext",
                            id.to_string(),
                            LineProblem::UnknownCategory {
                                value: id.to_string(),
                                by: "id",
                            },
                        ));
                    }
                }
            }
        };
        let by_idnumber = match &line.category_idnumber {
            None => None,
            Some(idnumber) => {
                let found: Vec<&CategoryRow> = self
                    .snapshot
                    .categories
                    .iter()
                    .filter(|category| {
                        category.idnumber.as_deref() == Some(idnumber.as_str())
                            && category.contextid.is_some()
                    })
                    .collect();
                match found.as_slice() {
                    [] => {
                        return Err(LineError::in_column(
                            "ccatcontextidnumber",
                            idnumber,
                            LineProblem::UnknownCategory {
                                value: idnumber.clone(),
                                by: "idnumber",
                            },
                        ));
                    }
                    [category] => Some(Context {
                        id: category.contextid.unwrap_or_default(),
                        label: category_label(category),
                    }),
                    several => {
                        return Err(LineError::in_column(
                            "ccatcontextidnumber",
                            idnumber,
                            LineProblem::AmbiguousCategory {
                                value: idnumber.clone(),
                                ids: several.iter().map(|category| category.id).collect(),
                            },
                        ));
                    }
                }
            }
        };
        match (by_id, by_idnumber) {
            (Some(first), Some(second)) if first.id != second.id => {
                Err(LineError::line(Problem::CategoryConflict {
                    by_id: match &line.category {
                        Some(CategoryRef::Id(id)) => id.to_string(),
                        _ => "system".into(),
                    },
                    by_idnumber: line.category_idnumber.clone().unwrap_or_default(),
                }))
            }
            (Some(context), _) | (None, Some(context)) => Ok(Some(context)),
            (None, None) => Ok(None),
        }
    }

    /// How the report names the context `contextid`.
    fn context_label(&self, contextid: i64) -> String {
        if contextid == self.snapshot.system_context {
            return "system".into();
        }
        match self
            .snapshot
            .categories
            .iter()
            .find(|category| category.contextid == Some(contextid))
        {
            Some(category) => category_label(category),
            None => format!("context {contextid}"),
        }
    }
}

/// Removes `value` from the entries of `key` in `index`.
fn remove_from(index: &mut HashMap<String, Vec<usize>>, key: &str, value: usize) {
    if let Some(entries) = index.get_mut(key) {
        entries.retain(|&entry| entry != value);
    }
}

/// How the report names a category.
fn category_label(category: &CategoryRow) -> String {
    match category
        .idnumber
        .as_deref()
        .filter(|idnumber| !idnumber.is_empty())
    {
        Some(idnumber) => format!(
            "category \"{}\" [{idnumber}] (id {})",
            category.name, category.id
        ),
        None => format!("category \"{}\" (id {})", category.name, category.id),
    }
}
