"""Orders use the one write-intent mechanism: a creation still pending on a link
(``OrderLink.intent``) becomes a ``WriteIntent`` row keyed ``order:create:<link>``; the field goes."""

from django.db import migrations


def move_intents(apps, schema_editor):  # type: ignore[no-untyped-def]
    OrderLink = apps.get_model("orders", "OrderLink")
    WriteIntent = apps.get_model("sync", "WriteIntent")
    for pk, tenant_id, intent in OrderLink.objects.exclude(intent={}).values_list(
        "pk", "tenant_id", "intent"
    ):
        if intent:
            WriteIntent.objects.update_or_create(
                tenant_id=tenant_id, key=f"order:create:{pk}", defaults={"payload": intent}
            )


def restore_intents(apps, schema_editor):  # type: ignore[no-untyped-def]
    OrderLink = apps.get_model("orders", "OrderLink")
    WriteIntent = apps.get_model("sync", "WriteIntent")
    for row in WriteIntent.objects.filter(key__startswith="order:create:"):
        OrderLink.objects.filter(pk=int(row.key.rsplit(":", 1)[1])).update(intent=row.payload)
        row.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_search_text"),
        ("sync", "0002_writeintent_moved_here"),
    ]

    operations = [
        migrations.RunPython(move_intents, restore_intents),
        migrations.RemoveField(model_name="orderlink", name="intent"),
    ]
