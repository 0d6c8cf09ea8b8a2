"""The planner's pure core: a plain Problem in, a plain Result out.

Solvers: ``cpsat.solve_cpsat`` (OR-Tools, imported lazily), ``greedy.solve_greedy`` and
``greedy.solve_round_robin`` (baselines). ``validate.validate`` checks any plan against the hard
rules independently of the solvers.
"""

from .problem import Gap, PersonStats, Problem, Progress, Result, Rules, SchedPerson, SchedShift, Weights

__all__ = ["Gap", "PersonStats", "Problem", "Progress", "Result", "Rules", "SchedPerson",
           "SchedShift", "Weights"]
