"""The Minsheng rules compared with OpenFisca, written as a small OpenFisca country package.

The same rules as policies/qingdao/variables/ (dibao, near-poor, disability two subsidies,
meal aid), over the same parameter files (policies/qingdao/parameters, loaded by OpenFisca
itself), computing in integer fen with the same rounding (half away from zero), so that every
amount can be compared to the fen.
"""

import os

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import MONTH
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Household = build_entity(
    key="household",
    plural="households",
    label="户",
    roles=[{"key": "member", "plural": "members", "label": "成员"}],
)
Person = build_entity(key="person", plural="persons", label="人", is_person=True)

INCOME_KINDS = [
    "wage", "business", "property", "transfer", "pension", "residents_basic_pension",
    "social_assistance", "scholarship", "family_planning_reward", "bravery_award",
]


def fen(yuan):
    """A money parameter (yuan) in integer fen."""
    return int(round(float(yuan) * 100))


def div_round(numerator, denominator):
    """Integer division rounding half away from zero (numerators here are never negative).
    OpenFisca keeps `int` variables in int32: widen first, or 2 × 1,567,500,000 wraps."""
    numerator = np.asarray(numerator, dtype=np.int64)
    denominator = np.asarray(denominator, dtype=np.int64)
    return (2 * numerator + denominator) // (2 * denominator)


def input_variable(name, entity, value_type):
    return type(name, (Variable,), {
        "value_type": value_type, "entity": entity, "definition_period": MONTH,
        "label": name,
    })


INPUTS = [input_variable(n, Person, int) for n in (
    ["age", "relation", "hukou", "disability_grade", "deposits", "vehicles", "homes"]
    + ["income_" + k for k in INCOME_KINDS]
)] + [input_variable(n, Person, bool) for n in ["alive", "lives_together"]]


class living_member(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH

    def formula(person, period, parameters):
        return person("lives_together", period) * person("alive", period)


class household_size(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        return household.sum(household.members("living_member", period))


class countable_income(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH

    def formula(person, period, parameters):
        counted = parameters(period).dibao.countable_income.counted
        total = 0
        for kind in INCOME_KINDS:
            if counted[kind]:
                total = total + person("income_" + kind, period)
        return total


class household_income(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        members = household.members
        return household.sum(members("countable_income", period) * members("living_member", period))


class per_capita_income(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        size = household("household_size", period)
        income = household("household_income", period)
        return np.where(size > 0, div_round(income, np.maximum(size, 1)), 0)


class dibao_standard(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        standard = parameters(period).dibao.standard
        members = household.members
        urban_head = (members("relation", period) == 0) * (members("hukou", period) == 0)
        return np.where(household.any(urban_head), fen(standard.urban), fen(standard.rural))


class assets_pass(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        assets = parameters(period).dibao.assets
        members = household.members
        living = members("living_member", period)
        size = household("household_size", period)
        standard = household("dibao_standard", period)
        deposits = household.sum(members("deposits", period).astype(np.int64) * living)
        vehicles = household.sum(members("vehicles", period) * living)
        homes = household.sum(members("homes", period) * living)
        return (
            (deposits <= standard.astype(np.int64) * int(assets.deposits_per_person_months) * size)
            * (vehicles <= int(assets.max_vehicles))
            * (homes <= int(assets.max_homes))
        )


class dibao_eligible(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        return (
            (household("household_size", period) > 0)
            * (household("per_capita_income", period) < household("dibao_standard", period))
            * household("assets_pass", period)
        )


class dibao_amount(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        gap = household("dibao_standard", period) - household("per_capita_income", period)
        size = household("household_size", period).astype(np.int64)
        return np.where(household("dibao_eligible", period), gap * size, 0)


class near_poor(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH

    def formula(household, period, parameters):
        factor = int(round(float(parameters(period).near_poor.income_factor) * 10_000))
        line = div_round(household("dibao_standard", period) * factor, 10_000)
        return (
            np.logical_not(household("dibao_eligible", period))
            * (household("household_size", period) > 0)
            * (household("per_capita_income", period) < line)
            * household("assets_pass", period)
        )


class disability_living_subsidy(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH

    def formula(person, period, parameters):
        amount = fen(parameters(period).disability.two_subsidies.living_subsidy)
        eligible = (
            person("living_member", period)
            * (person("disability_grade", period) >= 1)
            * person.household("dibao_eligible", period)
        )
        return np.where(eligible, amount, 0)


class disability_care_subsidy(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH

    def formula(person, period, parameters):
        care = parameters(period).disability.two_subsidies.care_subsidy
        grade = person("disability_grade", period)
        amount = np.select([grade == 1, grade == 2], [fen(care.grade1), fen(care.grade2)], 0)
        return np.where(person("alive", period), amount, 0)


class meal_aid_canteen_per_meal(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH

    def formula(person, period, parameters):
        meal = parameters(period).eldercare.meal_aid
        eligible = person("alive", period) * (person("age", period) >= int(meal.min_age))
        return np.where(eligible, fen(meal.canteen_per_meal), 0)


class MinshengCountry(TaxBenefitSystem):
    def __init__(self, parameters_dir):
        super().__init__([Household, Person])
        self.parameters = ParameterNode("", directory_path=parameters_dir)
        for variable in INPUTS + [
            living_member, household_size, countable_income, household_income,
            per_capita_income, dibao_standard, assets_pass, dibao_eligible, dibao_amount,
            near_poor, disability_living_subsidy, disability_care_subsidy,
            meal_aid_canteen_per_meal,
        ]:
            self.add_variable(variable)


def default_parameters_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "policies", "qingdao", "parameters")
