// Progressive enhancement of the reporting form: a button that fills the coordinates from the
// phone's location. Without JavaScript (or without permission) the form works as it is.
(function () {
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!lat || !lon || !navigator.geolocation) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = "Dùng vị trí hiện tại của tôi";
  var status = document.createElement("p");
  status.className = "hint";
  status.setAttribute("role", "status");
  lat.parentNode.insertBefore(button, lat.previousElementSibling);
  lat.parentNode.insertBefore(status, lat.previousElementSibling);
  button.addEventListener("click", function () {
    status.textContent = "Đang lấy vị trí…";
    navigator.geolocation.getCurrentPosition(
      function (p) {
        lat.value = p.coords.latitude.toFixed(6);
        lon.value = p.coords.longitude.toFixed(6);
        status.textContent = "Đã điền vị trí (sai số khoảng " + Math.round(p.coords.accuracy) + " m).";
      },
      function () {
        status.textContent = "Không lấy được vị trí; hãy chọn xã, phường và ghi địa chỉ.";
      },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });
})();
