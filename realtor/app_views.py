from django.shortcuts import render

from realtor.permissions import agent_required


@agent_required
def dashboard(request):
    return render(request, "realtor/dashboard.html", {})
