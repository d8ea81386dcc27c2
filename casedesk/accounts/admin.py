from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from casedesk.accounts import authorised, partners
from casedesk.accounts.models import (
    Contact,
    EscalationContact,
    Organisation,
    Platform,
    StaffRole,
    Team,
    User,
)
from casedesk.core.errors import Refused
from casedesk.rules import partners as partner_rules
from casedesk.rules import permissions as rules


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("email", "first_name", "last_name", "is_staff", "staff_role", "is_active")
    list_filter = ("is_staff", "staff_role", "is_active", "teams")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("Support staff", {"fields": ("staff_role", "time_zone")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "username", "password1", "password2")}),
    )


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = (
        "name",
        "title",
        "email",
        "phone",
        "is_primary_mpoc",
        "is_secondary_mpoc",
        "is_technical",
        "is_master_case_contact",
        "is_maintenance_contact",
        "is_financial_contact",
        "user",
        "active",
    )
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> Any:
        # A partner's delegates are granted and revoked, never edited (`DelegateInline`).
        return super().get_queryset(request).filter(delegate_of__isnull=True)


class DelegateInline(admin.TabularInline):
    """Who of the partner acts for this customer: granted and revoked by the partner's
    primary MPOC in the portal, or here with the contacts' *End partner access* action."""

    model = Contact
    fk_name = "organisation"
    verbose_name = "partner's delegate"
    verbose_name_plural = "partner's delegates (who of the partner acts for this customer)"
    extra = 0
    can_delete = False
    fields = ("name", "email", "partner_person", "scope", "active")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .filter(delegate_of__isnull=False)
            .select_related("delegate_of__organisation")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="person of the partner")
    def partner_person(self, obj: Contact) -> str:
        principal = obj.delegate_of
        return f"{principal.name} ({principal.organisation.name})" if principal else ""

    @admin.display(description="scope")
    def scope(self, obj: Contact) -> str:
        return obj.get_partner_scope_display()


class PartnerAccessForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Organisation.objects.none())
    scope = forms.ChoiceField(choices=[(s.value, s.label) for s in partner_rules.Scope])

    def __init__(self, *args: Any, partner: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer = self.fields["customer"]
        assert isinstance(customer, forms.ModelChoiceField)
        customer.queryset = Organisation.objects.filter(partner=partner).order_by("name")


class OrganisationForm(forms.ModelForm):
    """The admin's organisation form (its fields are the admin's): kind and partner agree."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, partner = data.get("kind"), data.get("partner")
        pk = self.instance.pk
        if partner is not None:
            why = partner_rules.may_manage(partner.kind, partner=partner.pk, customer=pk or -1)
            if why:
                self.add_error("partner", why)
            elif kind != partner_rules.Kind.CUSTOMER.value:
                self.add_error("partner", "Only a customer has a partner; make it a customer first.")
        manages = pk and Organisation.objects.filter(partner_id=pk).exists()
        if manages and kind == partner_rules.Kind.CUSTOMER.value:
            self.add_error("kind", "It manages customers: give them another partner (or none) first.")
        return data


class EscalationInline(admin.TabularInline):
    model = EscalationContact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "account_number",
        "kind",
        "partner",
        "copy_every_mpoc",
        "legacy_network",
        "unverified_mail",
        "active",
    )
    list_filter = ("kind", "copy_every_mpoc", "legacy_network", "unverified_mail", "active")
    search_fields = ("name", "account_number")
    filter_horizontal = ("platforms",)
    inlines = [ContactInline, DelegateInline, EscalationInline]
    form = OrganisationForm
    list_select_related = ("partner",)

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # Who manages a customer changes only through `accounts.partners.set_partner`, which
        # ends the access of the previous partner's people.
        wanted = obj.partner
        if "partner" in form.changed_data:
            obj.partner = Organisation.objects.get(pk=obj.pk).partner if change else None
        super().save_model(request, obj, form, change)
        if "partner" in form.changed_data:
            try:
                obj.partner = partners.set_partner(request.user, obj, wanted).partner
            except Refused as exc:
                self.message_user(request, str(exc), messages.ERROR)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        touched = formset.model is Contact and any(
            authorised.touches(f.instance, f.changed_data, created=f.instance.pk is None)
            for f in formset.forms
            if f.has_changed() and f not in formset.deleted_forms
        )
        touched = touched or (
            formset.model is Contact
            and any(authorised.is_authorised(f.instance) for f in formset.deleted_forms)
        )
        super().save_formset(request, form, formset, change)
        if touched:
            authorised.changed(form.instance)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "email", "phone", "is_primary_mpoc", "is_secondary_mpoc")
    list_filter = ("is_primary_mpoc", "is_secondary_mpoc", "is_master_case_contact", "organisation")
    search_fields = ("name", "email", "phone", "organisation__name")
    list_select_related = ("organisation",)
    raw_id_fields = ("user",)
    actions = ["give_partner_access", "end_partner_access"]

    @admin.action(description="Give the selected partner's people access to a customer")
    def give_partner_access(self, request: HttpRequest, queryset: Any) -> Any:
        """A page asking which customer and scope, then `accounts.partners.grant` for each."""
        people = list(queryset.filter(delegate_of__isnull=True).select_related("organisation"))
        partner_ids = {p.organisation_id for p in people}
        if len(partner_ids) != 1:
            self.message_user(request, "Select people of one partner.", messages.ERROR)
            return None
        partner = people[0].organisation
        form = PartnerAccessForm(request.POST if "scope" in request.POST else None, partner=partner)
        if form.is_bound and form.is_valid():
            customer, scope = form.cleaned_data["customer"], form.cleaned_data["scope"]
            for person in people:
                try:
                    partners.grant(request.user, person, customer, scope)
                except Refused as exc:
                    self.message_user(request, f"{person.name}: {exc}", messages.ERROR)
                else:
                    self.message_user(request, f"{person.name} now acts for {customer.name} ({scope}).")
            return None
        from django.template.response import TemplateResponse

        return TemplateResponse(
            request,
            "admin/accounts/partner_access.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Give people of {partner.name} access to a customer",
                "people": people,
                "form": form,
                "opts": self.model._meta,
                "action": "give_partner_access",
            },
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.delegate_of_id is not None:
            return [f.name for f in Contact._meta.fields]  # a delegate follows its person
        return super().get_readonly_fields(request, obj)

    @admin.action(description="End partner access of the selected delegates")
    def end_partner_access(self, request: HttpRequest, queryset: Any) -> None:
        ended = 0
        for delegate in queryset.filter(delegate_of__isnull=False, active=True).select_related(
            "delegate_of__organisation", "organisation"
        ):
            try:
                partners.revoke(request.user, delegate)
            except Refused as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            ended += 1
        self.message_user(request, f"Partner access ended for {ended} delegate(s).")

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        before = Contact.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        moved = before is not None and before.organisation_id != obj.organisation_id
        if authorised.touches(obj, form.changed_data, created=not change) or moved:
            authorised.changed(obj.organisation)
            if moved and before is not None and authorised.is_authorised(before):
                authorised.changed(before.organisation)

    def delete_model(self, request: HttpRequest, obj: Contact) -> None:
        organisation, was = obj.organisation, authorised.is_authorised(obj)
        super().delete_model(request, obj)
        if was:
            authorised.changed(organisation)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager")
    filter_horizontal = ("members",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "team", "active")
    prepopulated_fields = {"code": ("name",)}


class StaffRoleForm(forms.ModelForm):
    abilities = forms.MultipleChoiceField(
        choices=[(a.value, f"{a.value}: {a.label}") for a in rules.Ability if a in rules.STAFF_ABILITIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What staff with this role may do; a superuser may do everything whatever the role.",
    )

    class Meta:
        model = StaffRole
        fields = ("name", "abilities")


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    """The five roles are fixed; what each may do is the provider's to change."""

    form = StaffRoleForm
    list_display = ("name", "key", "ability_list", "differs_from_default")
    readonly_fields = ("key", "default_abilities")
    fields = ("key", "name", "abilities", "default_abilities")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="abilities")
    def ability_list(self, obj: StaffRole) -> str:
        return ", ".join(sorted(obj.ability_set)) or "-"

    @admin.display(description="changed from the default", boolean=True)
    def differs_from_default(self, obj: StaffRole) -> bool:
        return obj.ability_set != rules.DEFAULTS.get(rules.StaffRole(obj.key), frozenset())

    @admin.display(description="the rules' default")
    def default_abilities(self, obj: StaffRole) -> str:
        return ", ".join(sorted(rules.DEFAULTS.get(rules.StaffRole(obj.key), frozenset()))) or "-"
