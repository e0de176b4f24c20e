//! `del` and `free` lines, and `[cohorts] delete_empty`: a member removed, a cohort emptied or
//! deleted, and after the last line, the cohorts the file left empty deleted.

use super::{
    effect::Effect,
    line::CohortLine,
    plan::CohortOp,
    planner::{Planner, user_label},
};
use crate::error::LineError;

impl Planner<'_> {
    /// `del`: removes the user from the cohort, or deletes the cohort when the line names no
    /// user.
    pub(super) fn del(&mut self, line: &CohortLine) -> Result<Vec<Effect>, LineError> {
        let index = self.existing_cohort(&line.key)?;
        match &line.user {
            Some(user) => {
                // An unknown user is an error: it never falls back to deleting the cohort.
                let user = self.find_user(user)?;
                let cohort = &mut self.cohorts[index];
                let label = cohort.label();
                if cohort.members.remove(&user.id) {
                    cohort.lost_members = true;
                    self.ops.push(CohortOp::RemoveMember {
                        cohort: cohort.reference,
                        user: user.id,
                    });
                    Ok(vec![Effect::MemberRemoved {
                        user: user_label(user),
                        cohort: label,
                    }])
                } else {
                    Ok(vec![Effect::NotMember {
                        user: user_label(user),
                        cohort: label,
                    }])
                }
            }
            None => Ok(vec![self.delete(index)]),
        }
    }

    /// Deletes cohort `index` with its memberships.
    fn delete(&mut self, index: usize) -> Effect {
        let cohort = &mut self.cohorts[index];
        cohort.alive = false;
        let effect = Effect::CohortDeleted {
            cohort: cohort.label(),
            members: cohort.members.len(),
            bindings: cohort.bindings,
        };
        cohort.members.clear();
        self.ops.push(CohortOp::Delete {
            cohort: cohort.reference,
        });
        effect
    }

    /// `free`: removes every member; the cohort stays.
    pub(super) fn free(&mut self, line: &CohortLine) -> Result<Vec<Effect>, LineError> {
        let index = self.existing_cohort(&line.key)?;
        let cohort = &mut self.cohorts[index];
        if cohort.members.is_empty() {
            return Ok(vec![Effect::CohortAlreadyEmpty {
                cohort: cohort.label(),
            }]);
        }
        let members = cohort.members.len();
        cohort.members.clear();
        cohort.lost_members = true;
        self.ops.push(CohortOp::RemoveAllMembers {
            cohort: cohort.reference,
        });
        Ok(vec![Effect::CohortEmptied {
            cohort: cohort.label(),
            members,
        }])
    }

    /// Deletes the cohorts that lost members in this file and ended empty. A cohort this file
    /// created empty, or that was empty before, is kept: the file did not empty it.
    pub(super) fn delete_emptied(&mut self) -> Vec<Effect> {
        let emptied: Vec<usize> = (0..self.cohorts.len())
            .filter(|&index| {
                let cohort = &self.cohorts[index];
                cohort.alive && cohort.lost_members && cohort.members.is_empty()
            })
            .collect();
        emptied
            .into_iter()
            .map(|index| self.delete(index))
            .collect()
    }
}
