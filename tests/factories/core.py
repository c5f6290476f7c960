import factory
from factory.django import DjangoModelFactory

from realtor.models import Agent, Brokerage, Office, Team, User

PASSWORD = "test-pass-123"


class BrokerageFactory(DjangoModelFactory):
    class Meta:
        model = Brokerage

    name = factory.Sequence(lambda n: f"Brokerage {n}")
    license_state = "WA"
    street_address = "100 Main St, Seattle, WA 98101"


class OfficeFactory(DjangoModelFactory):
    class Meta:
        model = Office

    brokerage = factory.SubFactory(BrokerageFactory)
    office_key = factory.Sequence(lambda n: f"OFF-{n}")
    name = factory.Sequence(lambda n: f"Office {n}")
    city = "Seattle"
    state_or_province = "WA"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    brokerage = factory.SubFactory(BrokerageFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"User{n}")
    role = User.Role.CLIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgentFactory(DjangoModelFactory):
    """An agent with its user; pass ``brokerage=`` to place it."""

    class Meta:
        model = Agent

    brokerage = factory.SubFactory(BrokerageFactory)
    user = factory.SubFactory(UserFactory, role=User.Role.AGENT, brokerage=factory.SelfAttribute("..brokerage"))
    member_key = factory.Sequence(lambda n: f"MBR-{n}")
    license_number = factory.Sequence(lambda n: f"LIC{n:06d}")
    license_state = "WA"


def make_broker(brokerage: Brokerage, **kwargs) -> User:
    return UserFactory(role=User.Role.BROKER, brokerage=brokerage, is_staff=True, **kwargs)
