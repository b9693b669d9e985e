from django.urls import reverse


def test_out_of_scope_is_a_chinese_404(client, tree, grid_worker):
    client.force_login(grid_worker)
    response = client.get(reverse("grid:building_detail", args=[tree.other_building.pk]))
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()


def test_wrong_role_is_a_chinese_403(client, tree, leader):
    client.force_login(leader)
    response = client.post(reverse("grid:building_create", args=[tree.grid.pk]), {"number": "8号楼"})
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
