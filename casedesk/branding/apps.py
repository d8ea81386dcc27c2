from django.apps import AppConfig


class BrandingConfig(AppConfig):
    name = "casedesk.branding"
    label = "branding"
    verbose_name = "Brands of rebillers"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from casedesk.accounts.models import Organisation
        from casedesk.branding import brands
        from casedesk.branding.models import Brand

        # A notice written right after a change carries the brand as it is now.
        for model in (Brand, Organisation):
            post_save.connect(brands.forget, sender=model, dispatch_uid=f"brand-forget-{model.__name__}")
            post_delete.connect(brands.forget, sender=model, dispatch_uid=f"brand-forget-d-{model.__name__}")
