"""Pydantic models of a rule pack: metadata, vocabularies, inputs, outputs and ordered steps."""

from __future__ import annotations

import functools
import itertools
import operator
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    SerializeAsAny,
    TypeAdapter,
    field_validator,
    model_validator,
)

from perfassess.core.pinned import PACK_FILE_PATTERN

Status = Literal["documented", "reconstructed", "illustrative"]
Scalar = str | int | float
ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
PACK_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# Bounds on the lists whose sizes multiply a run's work (docs/limits.md); beyond them a pack
# is refused with E-PACK-LIMIT. The built-in packs use at most 13 rows, 8 cuts and 8 labels.
MAX_LABELS = 1_000  # a vocabulary's labels, a band step's cuts and labels
MAX_RULES = 1_000  # a decision table's rows, a limit step's caps, uncertainty choices
MAX_MAPPING = 10_000  # a map step's entries


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _distinct_labels(labels: list[str]) -> list[str]:
    lowered = [label.lower() for label in labels]
    for i, label in enumerate(lowered):
        if label in lowered[:i]:
            raise ValueError(f"label {labels[i]!r} repeats an earlier label (case is ignored)")
    return labels


# Labels are ordered worst first; matching ignores case, so they must differ beyond case.
Vocabulary = Annotated[list[str], Field(min_length=1, max_length=MAX_LABELS),
                      AfterValidator(_distinct_labels)]


class Source(Model):
    id: str
    title: str
    url: str | None = None
    note: str | None = None


# The ways a pack may write its periods: a year, a financial year (its two years, the second
# by its last two digits), or a month (a monthly or one-off release such as 2025-07). Plain
# ASCII digits only, so "FY24", full-width digits or a hidden direction mark are not periods;
# and within one form, text order is time order.
PeriodForm = Literal["YYYY", "YYYY-YY", "YYYY-MM"]
PERIOD_FORMS: dict[str, tuple[str, str]] = {  # form -> (pattern of the whole text, example)
    "YYYY": (r"[0-9]{4}", "2024"),
    "YYYY-YY": (r"[0-9]{4}-[0-9]{2}", "2024-25"),
    "YYYY-MM": (r"[0-9]{4}-(0[1-9]|1[0-2])", "2025-07"),
}


def in_form(text: str, form: str) -> bool:
    """Whether ``text`` is written in ``form`` (a financial year's second year must follow
    its first; a month is 01 to 12)."""
    pattern, _ = PERIOD_FORMS[form]
    return re.fullmatch(pattern, text) is not None and (form != "YYYY-YY" or consecutive(text))


def period_form_of(text: str) -> str | None:
    """The form ``text`` is written in, or None. A text that is both a financial year and a
    month (2011-12) is taken as the financial year: a monthly pack starting so declares
    ``form: YYYY-MM``."""
    return next((form for form in PERIOD_FORMS if in_form(text, form)), None)


def consecutive(text: str) -> bool:
    """``2024-25``: the second year is the year after the first."""
    return (int(text[:4]) + 1) % 100 == int(text[5:7])


class Periods(Model):
    """The periods a pack applies to: ``first`` (and ``last``) in the pack's period form,
    ``YYYY`` (2005), ``YYYY-YY`` (2018-19) or ``YYYY-MM`` (2025-07), declared as ``form`` or
    taken from how ``first`` is written. Returns must write their periods in the same form."""

    first: str
    last: str | None = None
    form: PeriodForm | None = None

    @model_validator(mode="after")
    def _in_form(self) -> Periods:
        form = self.period_form()
        for name, text in (("first", self.first), ("last", self.last)):
            if text is not None and not in_form(text, form):
                if self.form is None and name == "first":
                    raise ValueError(f"first {text!r} is neither a year such as 2024, a "
                                     "financial year such as 2024-25 nor a month such as "
                                     "2025-07 (YYYY, YYYY-YY or YYYY-MM)")
                raise ValueError(f"{name} {text!r} is not written in the form {form} "
                                 f"(such as {PERIOD_FORMS[form][1]})")
        if self.last is not None and self.last < self.first:
            raise ValueError(f"last {self.last!r} comes before first {self.first!r}")
        return self

    def period_form(self) -> str:
        """The declared form, or the form ``first`` is written in (YYYY when neither)."""
        return self.form or period_form_of(self.first) or "YYYY"

    def expected(self) -> str:
        """The form as a problem's ``expected``: ``YYYY, such as 2024``."""
        form = self.period_form()
        return f"{form}, such as {PERIOD_FORMS[form][1]}"

    def contains(self, period: str) -> bool:
        return period >= self.first and (self.last is None or period <= self.last)

    def describe(self) -> str:
        return f"{self.first}–{self.last}" if self.last else f"{self.first}–"


class NotApplicable(Model):
    """Whether ``n/a`` is accepted for an input, and what it means there."""

    allowed: bool = True
    means: str


# Spellings of numbers that real returns carry, accepted for an input only when its pack
# says so (otherwise they are errors with a hint): "1,234", "12%", and a dash for no return.
Accept = Literal["thousands_separator", "percent_sign", "dash_as_missing"]


class InputSpec(Model):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    type: Literal["number", "integer", "label", "text"]
    vocabulary: str | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    polarity: Literal["higher", "lower", "range", "none"] = "none"
    domain: str | None = None
    required: bool = False
    na: NotApplicable | None = None
    missing_means: str | None = None
    accept: list[Accept] = Field(default_factory=list)
    # The name the input is published under, when not its id: the file's column (a long
    # file's indicator), read as this input.
    column: str | None = Field(default=None, min_length=1, max_length=200)
    note: str | None = None
    scale: str | None = None  # a score scale of ``display.scales``: what each value means

    @model_validator(mode="after")
    def _check(self) -> InputSpec:
        if self.accept and self.type not in ("number", "integer"):
            raise ValueError("accept applies only to number and integer inputs")
        if "percent_sign" in self.accept and self.unit != "%":
            raise ValueError("accept: percent_sign needs unit: '%' (the value is read as "
                             "given: 12% is 12)")
        if self.type == "label" and not self.vocabulary:
            raise ValueError("a label input needs a vocabulary")
        if self.type != "label" and self.vocabulary:
            raise ValueError("only label inputs take a vocabulary")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class RuleMeta(Model):
    """What every rule carries: how sure we are of it and where it comes from."""

    status: Status | None = None
    source: str | None = None
    note: str | None = None


class StepBase(RuleMeta):
    kind: str  # each kind's model narrows it to the kind's name
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None


class BandStep(StepBase):
    """A value to an ordinal band by ordered cut points (numbers or parameter names)."""

    kind: Literal["band"]
    input: str
    output: str
    cuts: list[float | str] = Field(min_length=1, max_length=MAX_LABELS)
    closed: Literal["left", "right"] = "left"
    polarity: Literal["higher", "lower", "range"] = "higher"
    vocabulary: str | None = None
    labels: list[Scalar] | None = Field(default=None, max_length=MAX_LABELS + 1)

    @field_validator("cuts")
    @classmethod
    def _ascending(cls, cuts: list[float | str]) -> list[float | str]:
        # Cuts named by a parameter are checked against its value when the pack is planned.
        for low, high in itertools.pairwise(cuts):
            if isinstance(low, float) and isinstance(high, float) and high <= low:
                raise ValueError(f"cut points must rise strictly: {low} then {high}")
        return cuts

    def cut_values(self, parameters: dict[str, Parameter]) -> list[float]:
        """The cut points as numbers, a parameter's cut at its declared value."""
        return [cut if isinstance(cut, float) else parameters[cut].value for cut in self.cuts]

    @model_validator(mode="after")
    def _check(self) -> BandStep:
        if self.labels is not None and len(self.labels) != len(self.cuts) + 1:
            raise ValueError(f"{len(self.cuts)} cut points make {len(self.cuts) + 1} bands, "
                             f"but {len(self.labels)} labels are given")
        if self.labels is None and self.vocabulary is None:
            raise ValueError("a band step needs labels or a vocabulary")
        if self.labels is None and self.polarity == "range":
            raise ValueError("a 'range' band step must list its labels, lowest values first")
        return self


class StandardiseStep(StepBase):
    """Distance of each value from the centre of its population (period, or period × the
    ``by`` fields)."""

    kind: Literal["standardise"]
    input: str
    method: Literal["median_mad", "zscore", "rank", "percent_of_max", "min_max"]
    by: str | list[str] | None = None
    descending: bool = False
    ddof: Literal[0, 1] = 0  # zscore's SD: 0 population, 1 sample
    sign: Literal[1, -1] | None = None  # zscore, median_mad: the score times this
    polarity: Literal["from_input"] | None = None  # ... or -1 where the input's is lower
    ties: Literal["min", "max", "average", "dense", "ordinal"] = "min"  # rank
    outputs: dict[Literal["center", "spread", "score"], str]

    @model_validator(mode="after")
    def _check(self) -> StandardiseStep:
        given = self.model_fields_set
        if "ddof" in given and self.method != "zscore":
            raise ValueError("ddof applies to method zscore only")
        if "ties" in given and self.method != "rank":
            raise ValueError("ties applies to method rank only")
        if self.sign is not None and self.polarity is not None:
            raise ValueError("give sign or polarity, not both")
        if (self.sign is not None or self.polarity is not None) and self.method not in (
                "zscore", "median_mad"):
            raise ValueError("sign and polarity apply to methods zscore and median_mad only")
        return self

    def by_fields(self) -> list[str]:
        """The fields that split each period into strata (none: the period is one)."""
        return [] if self.by is None else [self.by] if isinstance(self.by, str) else self.by


# Percentile definitions by Hyndman and Fan's numbering, each also under the name of the
# software whose default it is: hf2 = SAS PCTLDEF=5 (the empirical distribution function
# with averaging), hf7 = R's and numpy's default (linear interpolation between order
# statistics). A step that names none uses hf7.
PercentileDefinition = Literal["hf2", "sas5", "hf7", "r7"]
Strata = str | list[str] | None


class NtileSpec(Model):
    """The quantile group (1..k, lowest values first) of each row's value in its stratum."""

    k: int = Field(ge=2)  # how many groups; the boundaries are the (i/k)th percentiles
    output: str  # the integer field the group goes to
    # Which group a value equal to a boundary falls in: the group below it (lower) or the
    # one above (upper).
    boundary: Literal["lower", "upper"] = "lower"


class QuantileStep(StepBase):
    """Percentiles of a value within its stratum (period, or period × the ``by`` fields),
    and optionally each row's quantile group."""

    kind: Literal["quantile"]
    input: str
    # A field or a list of fields: a stratum is one period and one combination of their
    # values. A row missing any of them is in no stratum: it gets no value.
    by: Strata = None
    definition: PercentileDefinition = "hf7"
    # Probability (0 to 1) -> the field that gets the stratum's percentile, on every row of
    # the stratum (including rows whose own value is missing).
    probabilities: dict[float, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    ntile: NtileSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> QuantileStep:
        if not self.probabilities and self.ntile is None:
            raise ValueError("a quantile step needs 'probabilities', 'ntile' or both")
        for p in self.probabilities:
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"probability {p} is not between 0 and 1")
        return self


class ClusterSeeds(Model):
    """Initial centres: the medians of the k quantile groups of the stratum's values."""

    method: Literal["quantile_medians"] = "quantile_medians"
    definition: PercentileDefinition = "hf2"  # of the group boundaries (CMS: hf2)
    boundary: Literal["lower", "upper"] = "lower"  # a value equal to one (CMS: lower)


class ClusterPass(Model):
    """A second k-means run seeded with the first run's final centres."""

    # SAS FASTCLUS STRICT=: a value farther than this from its nearest centre keeps that
    # cluster but is left out when the centres are recomputed (none: every value counts).
    strict: float | None = Field(default=None, gt=0)
    max_iter: int | None = Field(default=None, ge=1)  # none: the first run's
    converge: float | None = Field(default=None, ge=0)  # none: the first run's


class ClusterStep(StepBase):
    """One-dimensional k-means of a value into k ordered classes within each stratum
    (period, or period × the ``by`` fields), seeded deterministically; classes are
    numbered by their final centre, lowest first (1..k)."""

    kind: Literal["cluster"]
    input: str
    by: Strata = None  # as for quantile: a row missing a ``by`` value is in no stratum
    k: int = Field(ge=2)
    seeds: ClusterSeeds = Field(default_factory=ClusterSeeds)
    max_iter: int = Field(default=1000, ge=1)  # at most 10,000 (docs/limits.md)
    # 0: iterate until no centre moves. c > 0: stop when every centre moved by at most c
    # times the smallest distance between the run's initial centres (FASTCLUS CONVERGE=).
    converge: float = Field(default=0.0, ge=0)
    # A value equidistant from two centres joins the lower-numbered (lower) cluster, or the
    # higher-numbered one (upper); clusters are numbered in the order of their seeds.
    ties: Literal["lower", "upper"] = "lower"
    second_pass: ClusterPass | None = None
    # class: 1..k. center: the final centre of the row's class. to_boundary_below / above:
    # the distance from the value down / up to the midpoint between its class's centre and
    # the next one (missing in class 1 / k); to_nearest_boundary: the smaller of the two.
    outputs: dict[Literal["class", "center", "to_boundary_below", "to_boundary_above",
                          "to_nearest_boundary"], str]


class ComparatorTable(Model):
    """Each authority's list of comparators: a CSV file shipped inside the pack folder.

    The file is named relative to the pack folder and pinned by its SHA-256, so the pack's
    content hash covers the list and an edited list is caught before any data is read.
    """

    file: str = Field(pattern=PACK_FILE_PATTERN)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    authority_column: str = "authority_code"
    comparator_column: str = "comparator_code"


class CompareNeighboursStep(StepBase):
    """Each value against the median of its authority's comparators in the same period."""

    kind: Literal["compare_neighbours"]
    input: str
    comparators: ComparatorTable
    unit: str
    outputs: dict[Literal["center", "score", "count"], str]


class AggregateStep(StepBase):
    kind: Literal["aggregate"]
    inputs: list[str] = Field(min_length=1)
    output: str
    method: Literal["mean", "weighted_mean", "sum", "min", "max", "median", "n_present"]
    weights: dict[str, float | str] | None = None  # a number or a parameter's name
    missing: Literal["skip", "propagate"] = "skip"
    min_present: int | None = None

    @model_validator(mode="after")
    def _check(self) -> AggregateStep:
        if self.method == "weighted_mean" and not self.weights:
            raise ValueError("weighted_mean needs weights")
        if self.weights and self.method != "weighted_mean":
            raise ValueError("weights are only used by method weighted_mean")
        return self


class DecisionRow(RuleMeta):
    id: str
    when: str
    then: Scalar
    priority: int = 0


class DecisionDefault(RuleMeta):
    id: str = "default"
    then: Scalar | None
    # Why a row gets the default, for people (trace and rating_note); by default "no row
    # matched: default".
    reason: str | None = Field(default=None, max_length=500)


class DecideStep(StepBase):
    """A decision table: rows of conditions, an output, a hit policy and a default."""

    kind: Literal["decide"]
    output: str
    vocabulary: str | None = None
    hit_policy: Literal["first", "unique", "priority"] = "first"
    rules: list[DecisionRow] = Field(min_length=1, max_length=MAX_RULES)
    default: DecisionDefault | None = None


class Cap(RuleMeta):
    id: str
    when: str
    at_most: Scalar | None = None
    at_least: Scalar | None = None
    exempt_when: str | None = None
    exempt_reason: str | None = None
    exempt_status: Status | None = None
    reason: str

    @model_validator(mode="after")
    def _check(self) -> Cap:
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("a cap needs exactly one of at_most or at_least")
        if self.exempt_when is not None and not self.exempt_reason:
            raise ValueError("exempt_when needs an exempt_reason")
        return self


class LimitStep(StepBase):
    """Caps or floors on an ordered field when conditions hold, each with its reason."""

    kind: Literal["limit"]
    input: str
    output: str
    caps: list[Cap] = Field(min_length=1, max_length=MAX_RULES)
    fired_output: str | None = None


class MapStep(StepBase):
    kind: Literal["map"]
    input: str
    output: str
    vocabulary: str | None = None
    mapping: dict[str, Scalar] = Field(max_length=MAX_MAPPING)
    default: Scalar | None = None


class RoundStep(StepBase):
    kind: Literal["round"]
    input: str
    output: str
    digits: int = 0
    method: Literal["half_up", "half_even", "floor", "ceil", "trunc"] = "half_up"


class ComputeStep(StepBase):
    """An arithmetic or logical expression over earlier fields."""

    kind: Literal["compute"]
    output: str
    expr: str
    integer: bool = False
    # What '/' in expr makes of a zero divisor: stop with E-DIVISION-BY-ZERO, or a missing value.
    zero_division: Literal["error", "missing"] = "error"


class RequireStep(StepBase):
    """Rows missing any of these fields get no rating from here on, with the reason."""

    kind: Literal["require"]
    fields: list[str] = Field(min_length=1)
    reason: str = "missing required input(s): {missing}"
    names: dict[str, str] = Field(default_factory=dict)


class TravelStep(StepBase):
    """Direction of travel: this period's value against the authority's previous one."""

    kind: Literal["travel"]
    input: str
    better: Literal["higher", "lower"] = "higher"
    score: str | None = None
    outputs: dict[Literal["previous", "change", "direction", "previous_score", "score_change"],
                  str]


def kind_name(model: type[StepBase]) -> str:
    name: str = get_args(model.model_fields["kind"].annotation)[0]
    return name


# Each step kind's pydantic model by its name: the built-in kinds here, any other added by
# the engine's registry of step kinds (``perfassess.engine.steps.registry.register``).
STEP_MODELS: dict[str, type[StepBase]] = {kind_name(model): model for model in (
    BandStep, StandardiseStep, CompareNeighboursStep, AggregateStep, DecideStep, LimitStep,
    MapStep, RoundStep, ComputeStep, RequireStep, TravelStep, QuantileStep, ClusterStep)}
STEP_KINDS = STEP_MODELS.keys()  # every kind's name, kept up to date with STEP_MODELS


def register_step_model(model: type[StepBase]) -> str:
    """Let packs use a step kind: steps whose ``kind`` is its name validate by ``model``."""
    name = kind_name(model)
    STEP_MODELS[name] = model
    _steps_adapter.cache_clear()
    return name


def unregister_step_model(name: str) -> None:
    STEP_MODELS.pop(name, None)
    _steps_adapter.cache_clear()


@functools.cache
def _steps_adapter() -> TypeAdapter[list[StepBase]]:
    union: Any = functools.reduce(operator.or_, STEP_MODELS.values())
    return TypeAdapter(Annotated[list[Annotated[union, Field(discriminator="kind")]],
                                 Field(min_length=1)])


def _validate_steps(value: Any) -> list[StepBase]:
    """The step list, each step by the model of its kind (as a discriminated union would,
    errors and all, but open to kinds registered at run time)."""
    return _steps_adapter().validate_python(value)


Steps = Annotated[list[SerializeAsAny[StepBase]], PlainValidator(_validate_steps)]


class Parameter(RuleMeta):
    """A named number that rules use by name (in expressions, band cuts, aggregate weights),
    so that how sure we are of it can be declared and varied in a sensitivity run."""

    value: float
    title: str | None = None


# An amount of variation: a number (absolute) or a percentage of the value ("10%").
PERCENT_PATTERN = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*%\s*$")


def _amount(value: float | str) -> float | str:
    if isinstance(value, str):
        if not PERCENT_PATTERN.match(value):
            raise ValueError(f"{value!r} is neither a number nor a percentage such as '10%'")
    elif value < 0:
        raise ValueError(f"{value} is negative: give the size of the variation")
    return value


Amount = Annotated[float | str, AfterValidator(_amount)]


def percent_of(amount: float | str, value: float) -> float:
    """An amount as an absolute number: a percentage is taken of ``value``."""
    if isinstance(amount, str):
        match = PERCENT_PATTERN.match(amount)
        assert match is not None
        return abs(value) * float(match.group(1)) / 100.0
    return float(amount)


class ParameterUncertainty(Model):
    """How one parameter may vary: plus or minus an amount, or a list of choices."""

    plus_minus: Amount | None = None
    distribution: Literal["uniform", "triangular"] = "uniform"
    choices: list[float] | None = Field(default=None, min_length=2, max_length=MAX_RULES)
    allow_documented: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ParameterUncertainty:
        if (self.plus_minus is None) == (self.choices is None):
            raise ValueError("give exactly one of plus_minus or choices")
        if self.choices is not None and "distribution" in self.model_fields_set:
            raise ValueError("choices are drawn with equal probability; distribution applies "
                             "to plus_minus")
        return self


class WeightUncertainty(Model):
    """Weights (parameters) that each vary by an amount, then are rescaled to their total."""

    parameters: list[str] = Field(min_length=2)
    plus_minus: Amount
    allow_documented: bool = False
    note: str | None = None


class AlternativeRule(Model):
    """Another reading of a step: the step with some of its keys replaced."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    step: str
    replace: dict[str, Any] = Field(min_length=1)
    status: Status
    source: str | None = None
    note: str | None = None
    allow_documented: bool = False


class BinomialError(Model):
    """The value is a rate: count / cases x per; the count is drawn as Binomial(cases, rate)."""

    cases: str
    per: float = Field(default=100.0, gt=0)


class DataUncertainty(Model):
    """Error in one input's returned values: relative (normal) or binomial."""

    relative: Amount | None = None  # the standard deviation, as a percentage of the value
    binomial: BinomialError | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> DataUncertainty:
        if (self.relative is None) == (self.binomial is None):
            raise ValueError("give exactly one of relative or binomial")
        if self.relative is not None and not isinstance(self.relative, str):
            raise ValueError("relative error is a percentage of the value, such as '5%'")
        return self


class Uncertainty(Model):
    """What may vary in a sensitivity run, and how (see docs/sensitivity.md)."""

    parameters: dict[str, ParameterUncertainty] = Field(default_factory=dict)
    weights: list[WeightUncertainty] = Field(default_factory=list)
    alternatives: list[AlternativeRule] = Field(default_factory=list)
    data: dict[str, DataUncertainty] = Field(default_factory=dict)
    note: str | None = None


# An attribute is a column name or a pattern over column names (``*_DEN``, ``HAI_?_DEN``).
ATTRIBUTE_PATTERN = r"^[A-Za-z0-9_*?\[\]!.-]+$"


class ReturnsLayout(Model):
    """How the pack's returns are published, when not with ``authority_code`` and ``period``
    columns: the column(s) that key an authority (or ``["@row"]``, each row's position in
    its file), the column of its name, the column of the period or the period itself."""

    key: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list,
                                                          max_length=8)
    name: str | None = Field(default=None, min_length=1)
    period: str | None = None
    period_column: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _row_key_alone(self) -> ReturnsLayout:
        if "@row" in self.key and len(self.key) > 1:
            raise ValueError("key @row (a row's position) goes alone, not with columns")
        if self.period is not None and self.period_column is not None:
            raise ValueError("give period (the file has none) or period_column, not both")
        return self


class Wording(Model):
    """What the pack rates, as its reports call it (default: authority, authorities)."""

    singular: str = Field(default="authority", min_length=1, max_length=40)
    plural: str = Field(default="authorities", min_length=1, max_length=40)


class RatingSpec(Model):
    field: str
    sort: list[str] = Field(default_factory=list)
    meaning: dict[str, str] = Field(default_factory=dict)


class FieldDisplay(Model):
    """How pages name a field: its title, and the unit after its value."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, min_length=1, max_length=40)


# A score scale: each whole-number score -> what it means (3: "a good standard").
ScoreScale = Annotated[dict[int, str], Field(min_length=1, max_length=MAX_LABELS)]


class Display(Model):
    """Presentation only: how pages word fields and scores. Not part of the rules, so not of
    the pack's content hash (docs/pack.schema.json)."""

    fields: dict[str, FieldDisplay] = Field(default_factory=dict)
    scales: dict[Annotated[str, Field(pattern=ID_PATTERN)], ScoreScale] = Field(
        default_factory=dict)


class Pack(Model):
    id: str = Field(pattern=PACK_ID_PATTERN)
    title: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    assessor: str
    summary: str | None = None
    periods: Periods
    sources: list[Source] = Field(default_factory=list)
    vocabularies: dict[str, Vocabulary] = Field(default_factory=dict)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    inputs: list[InputSpec] = Field(min_length=1)
    parameters: dict[Annotated[str, Field(pattern=ID_PATTERN)], Parameter] = Field(
        default_factory=dict)
    rating: RatingSpec
    outputs: list[str] = Field(min_length=1)
    # Decimal places reports, explain and diff show of an output (default 2); ratings.csv,
    # Parquet and JSON keep every digit.
    digits: dict[str, Annotated[int, Field(ge=0, le=12)]] = Field(default_factory=dict)
    # Columns that describe an authority (region, type): carried into the results as text,
    # never read as indicators.
    # A name may be a pattern (``*_DEN``): every column it matches is carried.
    attributes: list[Annotated[str, Field(pattern=ATTRIBUTE_PATTERN)]] = Field(
        default_factory=list, max_length=64)
    returns: ReturnsLayout | None = None  # key/name/period columns of files as published
    authority: Wording = Field(default_factory=Wording)  # "hospital", "hospitals"
    steps: Steps
    uncertainty: Uncertainty | None = None
    display: Display = Field(default_factory=Display)

    @model_validator(mode="after")
    def _display_names(self) -> Pack:
        known = {spec.id for spec in self.inputs} | set(self.outputs) | {self.rating.field}
        unknown = [name for name in self.display.fields if name not in known]
        if unknown:
            raise ValueError(f"display.fields names {unknown[0]!r}, which is neither an input "
                             "nor an output of the pack")
        for spec in self.inputs:
            if spec.scale is not None and spec.scale not in self.display.scales:
                raise ValueError(f"input {spec.id!r}: scale {spec.scale!r} is not one of "
                                 "display.scales")
        return self

    @field_validator("digits")
    @classmethod
    def _digits_of_outputs(cls, digits: dict[str, int], info: Any) -> dict[str, int]:
        outputs = info.data.get("outputs") or []
        unknown = [name for name in digits if name not in outputs]
        if unknown:
            raise ValueError(f"digits names {unknown[0]!r}, which is not one of the pack's "
                             "outputs")
        return digits

    @model_validator(mode="after")
    def _returns_period_in_form(self) -> Pack:
        period = self.returns.period if self.returns else None
        if period is not None and not in_form(period, self.periods.period_form()):
            raise ValueError(f"returns.period {period!r} is not written as the pack's periods "
                             f"({self.periods.expected()})")
        return self

    @model_validator(mode="after")
    def _published_names_distinct(self) -> Pack:
        ids = {spec.id for spec in self.inputs}
        seen: dict[str, str] = {}
        for spec in self.inputs:
            if spec.column is None:
                continue
            if spec.column in ids and spec.column != spec.id:
                raise ValueError(f"input {spec.id!r} is published as {spec.column!r}, which "
                                 "is another input's id")
            if spec.column in seen:
                raise ValueError(f"inputs {seen[spec.column]!r} and {spec.id!r} are both "
                                 f"published as {spec.column!r}")
            seen[spec.column] = spec.id
        return self

    def input(self, input_id: str) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.id == input_id), None)
