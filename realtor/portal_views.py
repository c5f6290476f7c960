from django.shortcuts import render

from realtor.permissions import client_required


@client_required
def portal_home(request):
    return render(request, "portals/home.html", {})
