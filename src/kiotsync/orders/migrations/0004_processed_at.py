"""Where each order is processed, stored on its link (issue 10): a Haravan order may now be
processed at Haravan too (created in KiotViet to reserve its stock, Haravan's statuses driving
it). Existing KiotViet-born links are processed at Haravan; Haravan orders that earlier versions
skipped as "processed at Haravan" are marked so, and the merchant's "Đồng bộ sang KiotViet"
creates them in KiotViet with Haravan driving. ``recreate``: the merchant asked to create again a
KiotViet order that KiotViet cancelled while Haravan processes it."""

from django.db import migrations, models


def mark_processed_at_haravan(apps, schema_editor):  # type: ignore[no-untyped-def]
    OrderLink = apps.get_model("orders", "OrderLink")
    OrderLink.objects.filter(origin="kiotviet").update(processed_at="haravan")
    OrderLink.objects.filter(origin="haravan", skip_code="processed_at_haravan").update(
        processed_at="haravan"
    )


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_intent_to_write_intents")]

    operations = [
        migrations.AddField(
            model_name="orderlink",
            name="processed_at",
            field=models.CharField(
                choices=[("kiotviet", "Xử lý tại KiotViet"), ("haravan", "Xử lý tại Haravan")],
                default="kiotviet",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="orderlink",
            name="recreate",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_processed_at_haravan, migrations.RunPython.noop),
    ]
