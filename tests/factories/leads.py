import factory
from factory.django import DjangoModelFactory

from leads.models import Contact
from realtor.models import User

from .core import BrokerageFactory, UserFactory


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    brokerage = factory.SubFactory(BrokerageFactory)
    first_name = "Lee"
    last_name = factory.Sequence(lambda n: f"Lead{n}")
    email = factory.Sequence(lambda n: f"lead{n}@example.test")
    phone = factory.Sequence(lambda n: f"206555{n % 10000:04d}")
    contact_type = Contact.ContactType.BUYER


def make_client(contact: Contact, **kwargs) -> User:
    """Give ``contact`` a portal login and return the user."""
    user = UserFactory(role=User.Role.CLIENT, email=contact.email, **kwargs)
    contact.user = user
    contact.save(update_fields=["user"])
    return user
