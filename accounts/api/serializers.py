"""Input and output shapes of the branch API."""

from rest_framework import serializers

from accounts.models import Branch


class BranchInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20, help_text='Letters, digits, "-" or "_", e.g. 01.')
    name = serializers.CharField(max_length=255)
    is_active = serializers.BooleanField(required=False)


class BranchOutputSerializer(serializers.ModelSerializer):
    customer_count = serializers.IntegerField(help_text="Non-deleted customers of the branch.")

    class Meta:
        model = Branch
        fields = ["id", "code", "name", "is_active", "customer_count", "created_at", "updated_at"]
